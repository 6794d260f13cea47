import { Type } from '@sinclair/typebox';
import { DEFAULT_PLAN_LIMITS } from '@marshal/plan';
import { defineConfig } from '@marshal/runtime';
import { DEFAULT_SPEC_LIMITS } from '@marshal/spec';

export const SpecRendererConfig = defineConfig('spec-renderer', {
  MAX_PODS_PER_TYPE: Type.Integer({ default: DEFAULT_SPEC_LIMITS.maxPodsPerType, minimum: 1, description: 'Most instances (count) of one pod type; a configuration over it is refused' }),
  MAX_PODS_PER_SERVICE: Type.Integer({
    default: DEFAULT_SPEC_LIMITS.maxPodsPerService,
    minimum: 1,
    description: 'Most pod instances of one service over all its pod types; a configuration over it is refused (plan-manager has the same setting)',
  }),
  MAX_STEPS_PER_PLAN: Type.Integer({ default: DEFAULT_PLAN_LIMITS.maxStepsPerPlan, minimum: 1, description: 'Most steps one plan of a configuration may have; a configuration over it is refused' }),
  MAX_EVENT_BYTES: Type.Integer({
    default: DEFAULT_PLAN_LIMITS.maxEventBytes,
    minimum: 16 * 1024,
    description: "Most bytes one event may take (JSON); a configuration whose ConfigurationAccepted or plans' PlanGenerated would be larger is refused (never above NATS max_payload less 4 KiB)",
  }),
  MAX_SERVICE_YAML_BYTES: Type.Integer({ default: DEFAULT_SPEC_LIMITS.maxServiceYamlBytes, minimum: 1024, description: 'Most bytes of a svc.yml or marathon.json.mustache template' }),
  MAX_RENDERED_SERVICE_YAML_BYTES: Type.Integer({ default: DEFAULT_SPEC_LIMITS.maxRenderedServiceYamlBytes, minimum: 1024, description: 'Most bytes of a svc.yml rendered with its options' }),
  SCHEMA_CACHE_SIZE: Type.Integer({ default: DEFAULT_SPEC_LIMITS.compiledSchemaCacheSize, minimum: 1, description: 'Package option schemas (config.json) kept compiled; the least recently used is dropped' }),
  MAX_SCHEMA_PATTERN_LENGTH: Type.Integer({
    default: DEFAULT_SPEC_LIMITS.maxSchemaPatternLength,
    minimum: 1,
    description: 'Longest regular expression an option schema may hold (patterns run on RE2, linear time)',
  }),
});
