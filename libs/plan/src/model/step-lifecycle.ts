import type { GoalState, OverrideProgress, Status, TaskState } from '@marshal/contracts';
import { stepStatusFromTasks } from './step-status';
import { mapSteps } from './plan-status';
import type { PlanModel, StepModel } from '@marshal/contracts';

/** Recomputes a deployment step's status from its tasks (reference §1.6.2 point 5); undefined leaves it as is. */
function recomputed(step: StepModel): StepModel {
  const status = stepStatusFromTasks(
    step.launched.map((t) => t.status),
    step.errors.length > 0,
    step.prepared,
  );
  return status === undefined ? step : { ...step, status };
}

/**
 * After an evaluation of the step against the agents (reference §1.6.2 point 3): the launched tasks replace the
 * task map as STARTING; with nothing launched the step is PREPARED.
 */
export function stepAfterEvaluation(step: StepModel, launched: readonly { taskId: string; taskName: string }[]): StepModel {
  return recomputed({
    ...step,
    launched: launched.map(({ taskId, taskName }) => ({ taskId, taskName, status: 'STARTING' })),
    prepared: true,
  });
}

export interface TaskStatusInput {
  taskId: string;
  state: TaskState;
  /** See `readinessCheckPassed`. */
  readinessPassed: boolean;
  /** The goal of the task's spec. */
  goal: GoalState;
}

export interface TaskStatusOutcome {
  step: StepModel;
  /** `failed`: record a back-off failure for the task; `clear`: clear its delay (reference §1.6.3). */
  backoff?: 'failed' | 'clear';
  /**
   * The goal-override progress this status means for the task; the caller stores it when the task has an override
   * whose progress is not COMPLETE yet (reference §1.6.2 point 4).
   */
  overrideProgress?: OverrideProgress;
}

/**
 * States after which a step launches its task again, without a back-off failure (reference §1.6.2 table: killed,
 * killing, lost, gone, dropped, unreachable → PENDING). Not `isTaskDone`: FINISHED, FAILED and ERROR map otherwise.
 */
const RELAUNCH_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_KILLED',
  'TASK_KILLING',
  'TASK_LOST',
  'TASK_GONE',
  'TASK_DROPPED',
  'TASK_UNREACHABLE',
]);

function perTaskStatus(input: TaskStatusInput): { status: Status; backoff?: 'failed' | 'clear' } | undefined {
  const { state, goal, readinessPassed } = input;
  if (state === 'TASK_ERROR' || state === 'TASK_FAILED') return { status: 'DELAYED', backoff: 'failed' };
  if (RELAUNCH_STATES.has(state)) return { status: 'PENDING' };
  if (state === 'TASK_GONE_BY_OPERATOR') return { status: 'PENDING', backoff: 'clear' };
  if (state === 'TASK_STAGING' || state === 'TASK_STARTING') return { status: 'STARTING' };
  if (state === 'TASK_RUNNING') {
    return goal === 'RUNNING' && readinessPassed ? { status: 'COMPLETE', backoff: 'clear' } : { status: 'STARTED' };
  }
  if (state === 'TASK_FINISHED') return { status: goal === 'RUNNING' ? 'PENDING' : 'COMPLETE' }; // RUNNING: relaunch
  return undefined; // TASK_UNKNOWN
}

/** reference §1.6.4 `translateStatus`. */
function overrideProgressOf(status: Status): OverrideProgress {
  if (status === 'PENDING') return 'PENDING';
  if (status === 'STARTED' || status === 'COMPLETE') return 'COMPLETE';
  return 'IN_PROGRESS';
}

/**
 * A task status for a deployment or recovery step (reference §1.6.2 point 4). Ignored unless the task was launched
 * by the step's last evaluation, and once the step is COMPLETE.
 */
export function stepAfterTaskStatus(step: StepModel, input: TaskStatusInput): TaskStatusOutcome {
  if (step.status === 'COMPLETE' || !step.launched.some((t) => t.taskId === input.taskId)) return { step };
  const change = perTaskStatus(input);
  if (!change) return { step: recomputed(step) }; // the original recomputes even for an ignored TASK_UNKNOWN
  const prepared = change.status === 'PENDING' ? true : change.status === 'DELAYED' ? false : step.prepared;
  const launched = step.launched.map((t) => (t.taskId === input.taskId ? { ...t, status: change.status } : t));
  return {
    step: recomputed({ ...step, launched, prepared }),
    backoff: change.backoff,
    overrideProgress: overrideProgressOf(change.status),
  };
}

/**
 * Whether a status passes the task's readiness check (reference §1.6.2): without a check and without a result it
 * passes; with a result, the result decides; a task with a check and no result has not passed.
 */
export function readinessCheckPassed(hasReadinessCheck: boolean, readiness?: { passed: boolean }): boolean {
  if (readiness) return readiness.passed;
  return !hasReadinessCheck;
}

export interface StoredTaskGoalView {
  goal: GoalState;
  /** Latest state of the stored task; absent when it never reported one. */
  lastState?: TaskState;
  /** The configuration the task was launched with (label `target_configuration`). */
  configId: string;
  readinessPassed: boolean;
  permanentlyFailed: boolean;
}

/** reference §3.8.1 "Reached goal" against the target configuration. */
export function goalReached(task: Omit<StoredTaskGoalView, 'permanentlyFailed'>, targetConfigId: string): boolean {
  switch (task.goal) {
    case 'RUNNING':
      return task.lastState === 'TASK_RUNNING' && task.configId === targetConfigId && task.readinessPassed;
    case 'FINISH':
      return task.lastState === 'TASK_FINISHED' && task.configId === targetConfigId;
    case 'ONCE':
      return task.lastState === 'TASK_FINISHED';
  }
}

/**
 * Initial status of a generated deployment step from the stored tasks it launches (reference §3.8.1): PENDING
 * when none is stored, else COMPLETE iff each reached its goal or is permanently failed (recovery owns those).
 */
export function initialStepStatus(storedTasks: readonly StoredTaskGoalView[], targetConfigId: string): 'PENDING' | 'COMPLETE' {
  if (storedTasks.length === 0) return 'PENDING';
  return storedTasks.every((t) => t.permanentlyFailed || goalReached(t, targetConfigId)) ? 'COMPLETE' : 'PENDING';
}

/** A step without the skipped mark: every transition but a skip clears it. */
export function unskipped(step: StepModel): StepModel {
  if (!step.skipped) return step;
  const { skipped: _skipped, ...rest } = step;
  return rest;
}

/** reference §1.5: COMPLETE whatever the step was. */
export function forceCompleteStep(step: StepModel): StepModel {
  return { ...unskipped(step), status: 'COMPLETE' };
}

/**
 * reference §1.5: back to PENDING; the interrupted flag, task map and prepared flag stay. The caller clears the
 * back-off delays of `stepTaskNames(step)`.
 */
export function restartStep(step: StepModel): StepModel {
  return { ...unskipped(step), status: 'PENDING' };
}

/**
 * An operator's skip (other-systems §1a.7): the step is passed over — COMPLETE for every strategy and status
 * aggregation, shown SKIPPED — and forgets the tasks it launched, so their later statuses cannot move it again.
 */
export function skipStep(step: StepModel): StepModel {
  return { ...step, status: 'COMPLETE', skipped: true, interrupted: false, launched: [] };
}

/** Statuses a step may be skipped from: it has not started, waits for a delay, or failed (other-systems §1a.7). */
export const SKIPPABLE_STATUSES: readonly Status[] = ['PENDING', 'PREPARED', 'WAITING', 'DELAYED', 'ERROR'];

/**
 * A task status fanned out to every step of a plan (reference §9.1 A28); only steps that launched the task change.
 * The back-off action and override progress are those of the last step that took the status.
 */
export function planAfterTaskStatus(plan: PlanModel, input: TaskStatusInput): Omit<TaskStatusOutcome, 'step'> & { plan: PlanModel } {
  let backoff: TaskStatusOutcome['backoff'];
  let overrideProgress: TaskStatusOutcome['overrideProgress'];
  const next = mapSteps(plan, (step) => {
    const outcome = stepAfterTaskStatus(step, input);
    if (outcome.backoff) backoff = outcome.backoff;
    if (outcome.overrideProgress) overrideProgress = outcome.overrideProgress;
    return outcome.step;
  });
  return { plan: next, backoff, overrideProgress };
}

/**
 * A step without requirement when the work cycle starts it (reference §2.6 step 3, §3.5, §3.6): `kill` and `erase`
 * steps act at once and are COMPLETE; `unreserve` and `deregister` steps wait (PREPARED) for their resource to be
 * unreserved or the framework to be torn down; `tls-cleanup` stays as it is until the caller reports the cleanup's
 * outcome. The action itself (killing, storing the override, erasing) is the caller's. Deployment and recovery steps
 * are unchanged: their evaluation is `stepAfterEvaluation`.
 */
export function stepAfterStart(step: StepModel): StepModel {
  switch (step.kind) {
    case 'kill':
    case 'erase':
      return { ...step, status: 'COMPLETE' };
    case 'unreserve':
    case 'deregister':
      return step.status === 'PENDING' ? { ...step, status: 'PREPARED' } : step;
    default:
      return step;
  }
}

/** An `unreserve` step completes when its resource id is among those just unreserved (reference §3.5, §5.8). */
export function stepAfterUnreserve(step: StepModel, unreservedResourceIds: readonly string[]): StepModel {
  return step.kind === 'unreserve' && step.target !== undefined && unreservedResourceIds.includes(step.target)
    ? { ...step, status: 'COMPLETE' }
    : step;
}
