import type { KillIntent } from './runner-state';

/**
 * Where one task is in the runner, as one value:
 * - `preparing`: launch accepted, sandbox being laid out; no process yet.
 * - `running`: its process was started (or found again after an agent restart).
 * - `killing`: asked to die (`kill`, a relaunch of its name, failed health checks); the intent says why and since
 *   when. A task killed while preparing never starts a process.
 * - `ended`: its terminal status is decided; nothing more happens to it.
 */
export type TaskLifecycle =
  | { readonly phase: 'preparing' }
  | { readonly phase: 'running' }
  | { readonly phase: 'killing'; readonly kill: KillIntent }
  | { readonly phase: 'ended'; readonly kill?: KillIntent };

export type TaskPhase = TaskLifecycle['phase'];

export type TaskLifecycleEvent =
  | { readonly type: 'launched' }
  | { readonly type: 'killRequested'; readonly kill: KillIntent }
  | { readonly type: 'ended' };

export const PREPARING: TaskLifecycle = { phase: 'preparing' };

/** A task found again after an agent restart: its process may run, and a kill asked before the restart still holds. */
export function recoveredLifecycle(kill: KillIntent | undefined): TaskLifecycle {
  return kill ? { phase: 'killing', kill } : { phase: 'running' };
}

/**
 * The only transitions a task has; undefined when the event does not apply (a second kill keeps the first intent,
 * anything after the end is ignored).
 */
export function nextLifecycle(state: TaskLifecycle, event: TaskLifecycleEvent): TaskLifecycle | undefined {
  switch (event.type) {
    case 'launched':
      return state.phase === 'preparing' ? { phase: 'running' } : undefined;
    case 'killRequested':
      return state.phase === 'preparing' || state.phase === 'running' ? { phase: 'killing', kill: event.kill } : undefined;
    case 'ended':
      if (state.phase === 'ended') return undefined;
      return state.phase === 'killing' ? { phase: 'ended', kill: state.kill } : { phase: 'ended' };
  }
}

/** The kill intent of a task, while it is being killed and after it ended so. */
export function killIntentOf(state: TaskLifecycle): KillIntent | undefined {
  return state.phase === 'killing' || state.phase === 'ended' ? state.kill : undefined;
}

/**
 * The runner as a whole: `running` takes launches and kills; `detaching` (agent shutdown) refuses new work and lets
 * launches in flight settle; `detached` watches nothing any more, and what runs keeps running for the next agent.
 */
export type RunnerPhase = 'running' | 'detaching' | 'detached';

const RUNNER_NEXT: Readonly<Record<RunnerPhase, RunnerPhase | undefined>> = {
  running: 'detaching',
  detaching: 'detached',
  detached: undefined,
};

/** The runner's only transitions, in order; undefined from `detached`. */
export function nextRunnerPhase(phase: RunnerPhase): RunnerPhase | undefined {
  return RUNNER_NEXT[phase];
}
