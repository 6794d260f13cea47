import type { GoalState, RecoveryType, TaskState } from '@marshal/contracts';
import { isTaskDone, podInstanceName, requirementName } from '@marshal/contracts';
import { RECOVERY_PLAN } from './plan-names';
import { conflictsWithAny, stepTaskNames } from './requirement';
import { stepStatus } from './step-status';
import { parallelStrategy } from './strategy';
import type { PlanModel, Requirement } from '@marshal/contracts';
import type { PlanContext } from './plan-context';

/** One stored task as recovery sees it (reference §3.4). */
export interface RecoveryTaskView {
  /** Task instance name, e.g. `hello-0-server`. */
  taskName: string;
  podType: string;
  podIndex: number;
  /** Task name within the pod spec, e.g. `server`. */
  taskSpecName: string;
  /** Goal and essential flag from the configuration the task was launched with. */
  goal: GoalState;
  essential: boolean;
  /**
   * State of the latest status of this task's current task id; absent when that task id never reported one. Only
   * tasks with a state count as launched before.
   */
  lastState?: TaskState;
  /** Labelled permanently failed (`pod replace`), or so judged by a failure monitor. */
  permanentlyFailed: boolean;
  /** The task has an active back-off delay (reference §1.6.3). */
  delayActive: boolean;
}

export interface RecoveryInput {
  /** Every stored task; a pod's tasks in the pod spec's declaration order (they become requirement task order). */
  tasks: readonly RecoveryTaskView[];
  /** Assets other plans are working on (the coordinator's relevant dirty assets). */
  dirty: readonly Requirement[];
  /** The current recovery plan. */
  recoveryPlan: PlanModel;
  /** The deploy and custom plans: only tasks some step of theirs launches are recovered. */
  plans: readonly PlanModel[];
  ctx?: PlanContext;
}

/** A task reporting TASK_GONE_BY_OPERATOR is permanently failed (reference §3.4 step 1). */
const permanentlyFailed = (t: RecoveryTaskView) => t.permanentlyFailed || t.lastState === 'TASK_GONE_BY_OPERATOR';

/**
 * Tasks the original labelled permanently failed at the start of each recovery pass (reference §3.4 step 1): the
 * caller persists the label. `recoveryRequirements` already treats them as permanently failed.
 */
export function tasksGoneByOperator(tasks: readonly RecoveryTaskView[]): string[] {
  return tasks.filter((t) => t.lastState === 'TASK_GONE_BY_OPERATOR' && !t.permanentlyFailed).map((t) => t.taskName);
}

/** All permanently failed → PERMANENT, none → TRANSIENT, mixed → NONE (reference §3.4 step 6). */
function recoveryTypeOf(tasks: readonly RecoveryTaskView[]): RecoveryType {
  if (tasks.every(permanentlyFailed)) return 'PERMANENT';
  if (!tasks.some(permanentlyFailed)) return 'TRANSIENT';
  return 'NONE';
}

function groupByPod(tasks: readonly RecoveryTaskView[]): Map<string, RecoveryTaskView[]> {
  const pods = new Map<string, RecoveryTaskView[]>();
  for (const t of tasks) {
    const name = podInstanceName(t.podType, t.podIndex);
    pods.set(name, [...(pods.get(name) ?? []), t]);
  }
  return pods;
}

/**
 * The pods to recover now, as requirements with their recovery type (reference §3.4 steps 1–6): failed goal-RUNNING
 * tasks grouped by pod instance (ordered by name); all the pod's tasks when a failed one is essential (none while any
 * has a delay), else the failed ones without delay; only tasks launched before; minus pods other plans work on,
 * pods with an incomplete recovery step (unless TRANSIENT escalated to PERMANENT) and mixed failures.
 */
export function recoveryRequirements({ tasks, dirty, recoveryPlan, plans, ctx = {} }: RecoveryInput): Requirement[] {
  const recoverable = new Set(plans.flatMap((p) => p.phases.flatMap((ph) => ph.steps.flatMap(stepTaskNames))));
  const byPod = groupByPod(tasks);
  const failed = tasks.filter(
    (t) =>
      t.lastState !== undefined &&
      recoverable.has(t.taskName) &&
      t.goal === 'RUNNING' &&
      (isTaskDone(t.lastState) || permanentlyFailed(t)),
  );
  const failedPods = [...groupByPod(failed).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  // Incomplete recovery steps by pod instance; a pod whose failure escalated TRANSIENT → PERMANENT is re-evaluated.
  const incomplete = new Map<string, Requirement[]>();
  for (const step of recoveryPlan.phases.flatMap((p) => p.steps)) {
    if (!step.requirement || stepStatus(step, ctx) === 'COMPLETE') continue;
    const pod = podInstanceName(step.requirement.podType, step.requirement.podIndex);
    incomplete.set(pod, [...(incomplete.get(pod) ?? []), step.requirement]);
  }
  const inProgress = [...incomplete.entries()].flatMap(([pod, requirements]) => {
    const original = requirements.some((r) => r.recoveryType === 'PERMANENT') ? 'PERMANENT' : 'TRANSIENT';
    const escalated = original === 'TRANSIENT' && recoveryTypeOf(byPod.get(pod) ?? []) === 'PERMANENT';
    return escalated ? [] : requirements;
  });

  return failedPods.flatMap(([pod, failedTasks]) => {
    const podTasks = byPod.get(pod) ?? [];
    const candidates = failedTasks.some((t) => t.essential)
      ? podTasks.some((t) => t.delayActive)
        ? []
        : podTasks
      : failedTasks.filter((t) => !t.delayActive);
    const launch = candidates.filter((t) => t.goal === 'RUNNING' && t.lastState !== undefined);
    if (launch.length === 0) return [];
    const requirement: Requirement = {
      podType: launch[0].podType,
      podIndex: launch[0].podIndex,
      tasks: launch.map((t) => t.taskSpecName),
      recoveryType: recoveryTypeOf(launch),
    };
    if (conflictsWithAny(requirement, dirty) || conflictsWithAny(requirement, inProgress)) return [];
    return requirement.recoveryType === 'NONE' ? [] : [requirement];
  });
}

/** The recovery plan at start: empty, hence COMPLETE, with a parallel strategy (reference §3.4). */
export function newRecoveryPlan(): PlanModel {
  return { name: RECOVERY_PLAN, strategy: parallelStrategy(), phases: [], errors: [] };
}

/**
 * reference §3.4 steps 7–8: previous phases none of whose steps conflicts with a new requirement (completed ones
 * stay), then one phase per new requirement holding one recovery step, both named after the requirement.
 */
export function nextRecoveryPlan(previous: PlanModel, requirements: readonly Requirement[], newId: () => string): PlanModel {
  const kept = previous.phases.filter(
    (p) => !p.steps.some((s) => s.requirement && conflictsWithAny(s.requirement, requirements)),
  );
  const added = requirements.map((requirement) => {
    const name = requirementName(requirement);
    return {
      id: newId(),
      name,
      strategy: parallelStrategy(),
      steps: [
        {
          id: newId(),
          name,
          kind: 'recovery' as const,
          status: 'PENDING' as const,
          interrupted: false,
          requirement: { ...requirement, tasks: [...requirement.tasks] },
          errors: [],
          parameters: {},
          launched: [],
          prepared: false,
        },
      ],
    };
  });
  return { ...previous, phases: [...kept, ...added] };
}
