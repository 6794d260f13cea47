import { Type, type Static } from '@sinclair/typebox';

/** Plan element statuses, in the original's declaration order (reference §1.2). */
export const STATUSES = [
  'ERROR',
  'WAITING',
  'PENDING',
  'PREPARED',
  'STARTING',
  'STARTED',
  'COMPLETE',
  'IN_PROGRESS',
  'DELAYED',
] as const;
export type Status = (typeof STATUSES)[number];
export const StatusSchema = Type.Union(STATUSES.map((s) => Type.Literal(s)));

/**
 * What a step shows over HTTP: its status, or PAUSING/PAUSED when every task of its pod is paused (§1.6.2), or
 * SKIPPED when an operator skipped it (other-systems §1a.7: passed over, unlike a force-complete).
 */
export const DISPLAY_STATUSES = [...STATUSES, 'PAUSING', 'PAUSED', 'SKIPPED'] as const;
export type DisplayStatus = (typeof DISPLAY_STATUSES)[number];
export const DisplayStatusSchema = Type.Union(DISPLAY_STATUSES.map((s) => Type.Literal(s)));

/** Task states as Mesos named them; agents report these. */
export const TASK_STATES = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_UNREACHABLE',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
  'TASK_UNKNOWN',
] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const TaskStateSchema = Type.Union(TASK_STATES.map((s) => Type.Literal(s)));

/** Terminal states: the process is gone (reference §2.6 kill phase, §3.4 failed tasks). */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_DROPPED',
  'TASK_ERROR',
  'TASK_FAILED',
  'TASK_FINISHED',
  'TASK_GONE',
  'TASK_KILLED',
]);

/** The task's process is gone: a terminal state (reference §2.6 kill phase, §3.4 failed tasks). */
export function isProcessGone(state: TaskState): boolean {
  return TERMINAL_TASK_STATES.has(state);
}

/**
 * The task is done for its pod: its process is gone, or its agent lost it or cannot reach it. A goal-RUNNING task
 * in such a state needs recovery (reference §3.4 step 2) and counts as down for automatic pod replacement (§3.4
 * step 6).
 */
export function isTaskDone(state: TaskState): boolean {
  return isProcessGone(state) || state === 'TASK_LOST' || state === 'TASK_UNREACHABLE';
}

/**
 * The launch is over on its agent: the process is gone, or the task was reported lost (the agent found no trace of
 * it, or its agent was declared lost). Unlike `isTaskDone`, an unreachable task may still hold its resources.
 */
export function isLaunchOver(state: TaskState): boolean {
  return isProcessGone(state) || state === 'TASK_LOST';
}

/** A kill request can still reach the task: no status yet, or one whose process may be running (reference §2.6). */
export function isKillable(state: TaskState | undefined): boolean {
  return state === undefined || !isProcessGone(state);
}

export const GOAL_STATES = ['RUNNING', 'FINISH', 'ONCE'] as const;
export type GoalState = (typeof GOAL_STATES)[number];
export const GoalStateSchema = Type.Union(GOAL_STATES.map((s) => Type.Literal(s)));

/** Goal-state override targets and their progress (reference §1.6.4). */
export const OverrideTargetSchema = Type.Union([
  Type.Literal('NONE'),
  Type.Literal('PAUSED'),
  Type.Literal('DECOMMISSIONED'),
]);
export type OverrideTarget = Static<typeof OverrideTargetSchema>;
export const OverrideProgressSchema = Type.Union([
  Type.Literal('PENDING'),
  Type.Literal('IN_PROGRESS'),
  Type.Literal('COMPLETE'),
]);
export type OverrideProgress = Static<typeof OverrideProgressSchema>;

export const RecoveryTypeSchema = Type.Union([Type.Literal('NONE'), Type.Literal('TRANSIENT'), Type.Literal('PERMANENT')]);
export type RecoveryType = Static<typeof RecoveryTypeSchema>;
