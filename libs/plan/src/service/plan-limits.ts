import { MarshalError, subjectsFor, type MarshalEvent, type ServiceSpec } from '@marshal/contracts';
import { DEPLOY_PLAN } from '../model/plan-names';
import { generated, type DecisionContext } from './decision';
import { deployAndCustomPlans } from './reconcile.policy';
import { initialServiceState } from './service-state';

/**
 * Bounds of what one service's plans may become (docs/operations.md "Bounds"). Each is a setting of the services that
 * decide plans (spec-renderer, plan-manager), passed in: the domain reads no environment.
 */
export interface PlanLimits {
  /** Most pod instances (the sum of every pod's `count`) one service may declare. */
  maxPodsPerService: number;
  /** Most steps one plan may have. */
  maxStepsPerPlan: number;
  /** Most bytes one event may take, encoded as JSON: what one message of the event log carries. */
  maxEventBytes: number;
}

/** 1 MiB (NATS' default max_payload) less room for the headers (type, version, message id). */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024 - 4 * 1024;

export const DEFAULT_PLAN_LIMITS: PlanLimits = { maxPodsPerService: 2000, maxStepsPerPlan: 2000, maxEventBytes: DEFAULT_MAX_EVENT_BYTES };

const encoder = new TextEncoder();

/** The bytes an event takes in the log: its JSON, UTF-8 encoded. */
export function encodedBytes(event: MarshalEvent): number {
  return encoder.encode(JSON.stringify(event)).length;
}

/** Pod instances a spec declares, summed without building anything (a `count` of 2^31 costs nothing here). */
export function podInstances(spec: ServiceSpec): number {
  return spec.pods.reduce((n, p) => n + (Number.isFinite(p.count) ? Math.max(0, p.count) : Infinity), 0);
}

/** Why a spec has too many pod instances to plan, or undefined. Checked before any plan is generated. */
export function podCountProblem(spec: ServiceSpec, limits: PlanLimits): string | undefined {
  const total = podInstances(spec);
  if (total <= limits.maxPodsPerService) return undefined;
  return `the service declares ${total} pod instances (${spec.pods.map((p) => `${p.type}: ${p.count}`).join(', ')}); a service may have at most ${limits.maxPodsPerService} (MAX_PODS_PER_SERVICE)`;
}

/** The first event of `events` over the event-size bound, as the error a decision is refused with. */
export function oversizedEvent(events: readonly MarshalEvent[], limits: Pick<PlanLimits, 'maxEventBytes'>): MarshalError | undefined {
  for (const event of events) {
    const bytes = encodedBytes(event);
    if (bytes > limits.maxEventBytes) {
      const about = 'plan' in event.data && typeof event.data.plan === 'string' ? ` of plan ${event.data.plan}` : '';
      return new MarshalError(
        'INVALID_ARGUMENT',
        `the ${event.type} event${about} would take ${bytes} bytes; an event may take at most ${limits.maxEventBytes} bytes (MAX_EVENT_BYTES): nothing was appended`,
        [{ path: event.type, message: `${bytes} bytes, over ${limits.maxEventBytes}` }],
      );
    }
  }
  return undefined;
}

/** A problem of the plans a configuration would get, at the YAML path it comes from. */
export interface PlanBoundProblem {
  path: string;
  message: string;
}

/**
 * Checks, before a configuration is accepted, that the plans plan-manager will generate for it stay within the bounds:
 * pod instances per service, steps per plan, and the encoded size of each `PlanGenerated` event (reference §3.0: one
 * event per plan). Generation runs only when the pod count is within its bound, so an absurd count costs nothing.
 */
export function planBoundProblems(spec: ServiceSpec, limits: PlanLimits, deploymentCompleted: boolean): PlanBoundProblem[] {
  const tooMany = podCountProblem(spec, limits);
  if (tooMany) return [{ path: 'pods', message: tooMany }];
  // Ids as long as real ones (uuids), so the sizes measured are the sizes appended.
  let n = 0;
  const newId = (): string => `00000000-0000-4000-8000-${String(n++).padStart(12, '0')}`;
  const ctx: DecisionContext = {
    now: '2000-01-01T00:00:00.000Z',
    newId,
    subjects: subjectsFor(),
    correlationId: newId(),
    causationId: newId(),
    actor: 'service:plan-manager',
  };
  const state = initialServiceState(spec.name);
  const problems: PlanBoundProblem[] = [];
  const plans = deployAndCustomPlans(spec, { deploymentCompleted, newId, initialStatus: () => 'PENDING' }, limits);
  plans.forEach((model, order) => {
    const path = spec.plans.length === 0 && model.name === DEPLOY_PLAN ? 'pods' : `plans.${model.name}`;
    const steps = model.phases.reduce((s, p) => s + p.steps.length, 0);
    if (steps > limits.maxStepsPerPlan) {
      problems.push({ path, message: `plan ${model.name} would have ${steps} steps; a plan may have at most ${limits.maxStepsPerPlan} (MAX_STEPS_PER_PLAN)` });
      return;
    }
    const event = generated(state, ctx, model, order, ctx.correlationId);
    const bytes = encodedBytes(event);
    if (bytes > limits.maxEventBytes) {
      problems.push({
        path,
        message: `plan ${model.name} (${steps} steps) would take ${bytes} bytes as its PlanGenerated event; an event may take at most ${limits.maxEventBytes} bytes (MAX_EVENT_BYTES): use fewer pods or steps`,
      });
    }
  });
  return problems;
}
