import type { DisplayStatus, Status } from '@marshal/contracts';
import { isRunningStatus } from './aggregate-status';
import { stepTaskNames } from './requirement';
import type { StepModel } from '@marshal/contracts';
import type { PlanContext } from './plan-context';

/**
 * A step's reported status (reference §1.6.2 point 6): WAITING while interrupted and PENDING/PREPARED; a DELAYED
 * step none of whose tasks has an active back-off delay reports PENDING (the original also stored that change; the
 * caller may persist it). Only steps with a requirement are ever DELAYED.
 */
export function stepStatus(step: StepModel, ctx: PlanContext = {}): Status {
  if (step.interrupted && (step.status === 'PENDING' || step.status === 'PREPARED')) return 'WAITING';
  if (step.status === 'DELAYED' && step.requirement) {
    const delayed = ctx.delayActive ?? (() => false);
    if (!stepTaskNames(step).some((t) => delayed(t))) return 'PENDING';
  }
  return step.status;
}

/**
 * A deployment step's status from the statuses of the tasks it launched (reference §1.6.2 point 5, §9.4): the
 * "least advanced" task wins, DELAYED ranking below PENDING. `undefined` means: leave the step's status unchanged.
 */
export function stepStatusFromTasks(taskStatuses: readonly Status[], hasErrors: boolean, prepared: boolean): Status | undefined {
  if (hasErrors) return 'ERROR';
  if (taskStatuses.length === 0) return prepared ? 'PREPARED' : 'PENDING';
  for (const s of ['ERROR', 'DELAYED', 'PENDING', 'PREPARED', 'STARTING', 'STARTED'] as const) {
    if (taskStatuses.includes(s)) return s;
  }
  if (taskStatuses.every((s) => s === 'COMPLETE')) return 'COMPLETE';
  return undefined;
}

/** What the API shows for a step: SKIPPED when an operator skipped it (other-systems §1a.7), else `displayStatus`. */
export function stepDisplayStatus(step: StepModel, status: Status, paused: { allTasksPaused: boolean }): DisplayStatus {
  return step.skipped ? 'SKIPPED' : displayStatus(status, paused);
}

/**
 * What the API shows for a step (reference §1.6.2 "Display status"): when every task of the step's pod is paused,
 * running statuses show PAUSING and COMPLETE shows PAUSED. `allTasksPaused` is false for a pod without tasks.
 */
export function displayStatus(status: Status, { allTasksPaused }: { allTasksPaused: boolean }): DisplayStatus {
  if (allTasksPaused) {
    // The original tests isRunning first, so STARTED shows PAUSING although its second branch names STARTED too.
    if (isRunningStatus(status)) return 'PAUSING';
    if (status === 'COMPLETE') return 'PAUSED';
  }
  return status;
}
