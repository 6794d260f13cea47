import type { PlanContext } from './plan-context';

/**
 * Exponential launch back-off per task instance name (reference §1.6.3, §10.1). Pure: `now` is milliseconds since
 * the epoch, passed in. With back-off disabled (the original's default) callers simply never record failures.
 */

export interface BackoffParams {
  /** `FRAMEWORK_BACKOFF_FACTOR`. */
  factor: number;
  /** `FRAMEWORK_INITIAL_BACKOFF`, seconds. */
  initialSeconds: number;
  /** `FRAMEWORK_MAX_LAUNCH_DELAY`, seconds. */
  maxSeconds: number;
}

export const DEFAULT_BACKOFF: BackoffParams = { factor: 1.15, initialSeconds: 60, maxSeconds: 300 };

export interface BackoffDelay {
  /** Current delay, milliseconds. */
  delayMs: number;
  /** When the window started: the last recorded failure, milliseconds since the epoch. */
  since: number;
}

/** Delays by task instance name (`hello-0-server`). */
export type BackoffState = Readonly<Record<string, BackoffDelay>>;

/** A failure: the first sets the initial delay, later ones multiply it by the factor up to the max. */
export function recordFailure(state: BackoffState, taskName: string, now: number, params: BackoffParams): BackoffState {
  const previous = state[taskName];
  const delayMs = previous
    ? Math.min(Math.trunc(previous.delayMs * params.factor), params.maxSeconds * 1000)
    : params.initialSeconds * 1000;
  return { ...state, [taskName]: { delayMs, since: now } };
}

export function clearDelay(state: BackoffState, taskName: string): BackoffState {
  if (!(taskName in state)) return state;
  const { [taskName]: _cleared, ...rest } = state;
  return rest;
}

/** Milliseconds left in the task's window; 0 when it has no active delay. */
export function remainingDelay(state: BackoffState, taskName: string, now: number): number {
  const delay = state[taskName];
  return delay ? Math.max(0, delay.since + delay.delayMs - now) : 0;
}

export function delayActive(state: BackoffState, taskName: string, now: number): boolean {
  return remainingDelay(state, taskName, now) > 0;
}

/** A status context whose `delayActive` reads this back-off state at `now`. */
export function backoffContext(state: BackoffState, now: number): Pick<PlanContext, 'delayActive'> {
  return { delayActive: (taskName) => delayActive(state, taskName, now) };
}
