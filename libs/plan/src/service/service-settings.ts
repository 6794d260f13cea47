import { DEFAULT_BACKOFF, type BackoffParams } from '../model/backoff';
import type { ServiceState } from './service-state';

/**
 * Scheduler settings a service's package sets in its scheduler environment (rendered from marathon.json.mustache;
 * reference §10.1), read from the target configuration.
 */

/** Java's `Boolean.parseBoolean`: only `true`, in any case, is true. */
const isTrue = (v: string | undefined): boolean => (v ?? '').trim().toLowerCase() === 'true';

function number(v: string | undefined, fallback: number): number {
  if (v === undefined || v.trim() === '') return fallback;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export function schedulerEnv(state: ServiceState): Record<string, string> {
  return (state.targetConfigId && state.configs[state.targetConfigId]?.schedulerEnv) || {};
}

/** `ENABLE_BACKOFF` and its parameters (reference §1.6.3); undefined when back-off is disabled (the SDK default). */
export function backoffParams(state: ServiceState): BackoffParams | undefined {
  const env = schedulerEnv(state);
  if (!isTrue(env['ENABLE_BACKOFF'])) return undefined;
  return {
    factor: number(env['FRAMEWORK_BACKOFF_FACTOR'], DEFAULT_BACKOFF.factor),
    initialSeconds: number(env['FRAMEWORK_INITIAL_BACKOFF'], DEFAULT_BACKOFF.initialSeconds),
    maxSeconds: number(env['FRAMEWORK_MAX_LAUNCH_DELAY'], DEFAULT_BACKOFF.maxSeconds),
  };
}

/**
 * Automatic pod replacement (the helloworld package's `ReplacementFailurePolicy`, reference §3.4 step 6): a failed
 * pod is labelled permanently failed once it has been down `PERMANENT_FAILURE_TIMEOUT_SECS` (default 1200).
 * Undefined when `ENABLE_AUTOMATIC_POD_REPLACEMENT` is not true.
 */
export function permanentFailureTimeoutMs(state: ServiceState): number | undefined {
  const env = schedulerEnv(state);
  if (!isTrue(env['ENABLE_AUTOMATIC_POD_REPLACEMENT'])) return undefined;
  return number(env['PERMANENT_FAILURE_TIMEOUT_SECS'], 1200) * 1000;
}

/** The original's `PAUSE_OVERRIDE_CMD` default (reference §1.6.4, §10.1). */
export const DEFAULT_PAUSE_OVERRIDE_CMD = 'echo This task is PAUSED, sleeping ... && ./bootstrap --resolve=false && while true; do sleep 3600; done';

/** `PLAN_PROGRESS_DEADLINE_S_<PLAN>` for a plan: its name upper-cased, every other character than A-Z and 0-9 as `_`. */
export function planDeadlineVariable(plan: string): string {
  return `PLAN_PROGRESS_DEADLINE_S_${plan.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * The progress deadline of a plan in milliseconds, Marshal's own setting: `PLAN_PROGRESS_DEADLINE_S_<PLAN>`, else
 * `PLAN_PROGRESS_DEADLINE_S`; undefined (no deadline) when neither is a positive number of seconds.
 */
export function progressDeadlineMs(state: ServiceState, plan: string): number | undefined {
  const env = schedulerEnv(state);
  const own = env[planDeadlineVariable(plan)];
  const seconds = number(own !== undefined && own.trim() !== '' ? own : env['PLAN_PROGRESS_DEADLINE_S'], 0);
  return seconds > 0 ? seconds * 1000 : undefined;
}
