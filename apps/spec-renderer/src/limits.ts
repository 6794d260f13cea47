import { DEFAULT_PLAN_LIMITS, type PlanLimits } from '@marshal/plan';
import { DEFAULT_SPEC_LIMITS, type SpecLimits } from '@marshal/spec';
import type { ConfigOf } from '@marshal/runtime';
import type { SpecRendererConfig } from './config';

export type SpecRendererSettings = Partial<ConfigOf<typeof SpecRendererConfig>>;

/** Room left in a NATS message for headers (type, version, message id) next to the JSON body. */
export const HEADER_ALLOWANCE = 4 * 1024;

export interface Limits {
  spec: SpecLimits;
  plan: PlanLimits;
}

const given = <T>(v: T | undefined, fallback: T): T => (v === undefined ? fallback : v);

/**
 * The bounds a submission is checked against, from the settings (their defaults when a setting is absent); events never
 * larger than the NATS server takes in one message.
 */
export function limitsOf(config: SpecRendererSettings, serverMaxPayload: number | undefined): Limits {
  const maxEventBytes = Math.min(given(config.MAX_EVENT_BYTES, DEFAULT_PLAN_LIMITS.maxEventBytes), (serverMaxPayload ?? 1024 * 1024) - HEADER_ALLOWANCE);
  const maxPodsPerService = given(config.MAX_PODS_PER_SERVICE, DEFAULT_SPEC_LIMITS.maxPodsPerService);
  return {
    spec: {
      maxPodsPerType: given(config.MAX_PODS_PER_TYPE, DEFAULT_SPEC_LIMITS.maxPodsPerType),
      maxPodsPerService,
      maxServiceYamlBytes: given(config.MAX_SERVICE_YAML_BYTES, DEFAULT_SPEC_LIMITS.maxServiceYamlBytes),
      maxRenderedServiceYamlBytes: given(config.MAX_RENDERED_SERVICE_YAML_BYTES, DEFAULT_SPEC_LIMITS.maxRenderedServiceYamlBytes),
      compiledSchemaCacheSize: given(config.SCHEMA_CACHE_SIZE, DEFAULT_SPEC_LIMITS.compiledSchemaCacheSize),
      maxSchemaPatternLength: given(config.MAX_SCHEMA_PATTERN_LENGTH, DEFAULT_SPEC_LIMITS.maxSchemaPatternLength),
    },
    plan: { maxPodsPerService, maxStepsPerPlan: given(config.MAX_STEPS_PER_PLAN, DEFAULT_PLAN_LIMITS.maxStepsPerPlan), maxEventBytes },
  };
}
