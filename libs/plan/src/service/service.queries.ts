import { type Candidate, type PhaseModel, type PlanModel, type Requirement, type StepModel, isKillable, podInstanceName, taskInstanceName } from '@marshal/contracts';
import { backoffContext } from '../model/backoff';
import { coordinatorCandidates } from '../model/coordinator';
import type { PlanContext } from '../model/plan-context';
import type { StoredTaskGoalView } from '../model/step-lifecycle';
import { stepStatus } from '../model/step-status';
import type { ServiceState, TaskRecord } from './service-state';

/** Read-only functions over a service's state: what deciders, policies and plan-manager's replies read. */

/** What status computations need at `now`: the service's active back-off delays (reference §1.6.3). */
export function planContext(state: ServiceState, now: string): PlanContext {
  return backoffContext(state.backoff, Date.parse(now));
}

/** Every task of the step's pod instance has a PAUSED override (reference §1.6.2 display status). */
export function allTasksPaused(state: ServiceState, step: StepModel): boolean {
  const req = step.requirement;
  if (!req) return false;
  const spec = state.targetConfigId ? state.configs[state.targetConfigId]?.spec : undefined;
  const pod = spec?.pods.find((p) => p.type === req.podType);
  if (!pod || pod.tasks.length === 0) return false;
  return pod.tasks.every((t) => state.overrides[taskInstanceName(req.podType, req.podIndex, t.name)]?.target === 'PAUSED');
}

export function findPlan(state: ServiceState, name: string): PlanModel | undefined {
  return state.plans.find((p) => p.name === name);
}

/**
 * A rejected configuration's errors as the deploy plan shows them (reference §3.8.2 step 2, `ConfigValidationError`):
 * Marshal's rejections are never fatal and carry no old/new values.
 */
export function rejectionErrors(state: ServiceState): string[] {
  return state.rejected.map((e) => `Field: '${e.path}'; Message: '${e.message}'; Fatal: false`);
}

/**
 * The configuration a task effectively runs: the one it was launched with, carried forward through every later
 * configuration that did not change its pod type (reference §3.8.2 step 4, "relabel untouched tasks").
 */
export function effectiveConfigId(state: ServiceState, task: TaskRecord): string {
  const next = new Map<string, string>();
  for (const c of Object.values(state.configs)) if (c.previousConfigId) next.set(c.previousConfigId, c.configId);
  let current = task.configId;
  for (let hops = 0; hops < 10_000; hops++) {
    const n = next.get(current);
    if (!n || state.configs[n].changedPods.includes(task.podType)) break;
    current = n;
  }
  return current;
}

export function storedTasksOf(state: ServiceState, req: Requirement): StoredTaskGoalView[] {
  return req.tasks.flatMap((name) => {
    const t = state.tasks[taskInstanceName(req.podType, req.podIndex, name)];
    if (!t) return [];
    return [{ goal: t.goal, lastState: t.lastState, configId: effectiveConfigId(state, t), readinessPassed: t.readinessPassed, permanentlyFailed: !!state.permanentlyFailed[t.taskId] }];
  });
}

export interface StepLocation {
  plan: PlanModel;
  phase: PhaseModel;
  step: StepModel;
}

export function findStep(state: ServiceState, planName: string, stepId: string): StepLocation | undefined {
  const plan = state.plans.find((p) => p.name === planName);
  for (const phase of plan?.phases ?? []) {
    const step = phase.steps.find((s) => s.id === stepId);
    if (plan && step) return { plan, phase, step };
  }
  return undefined;
}

/** The stored tasks of every pod instance, by pod instance name (reference §6.3: pods come from stored tasks). */
export function podInstances(state: ServiceState): Map<string, TaskRecord[]> {
  const pods = new Map<string, TaskRecord[]>();
  for (const t of Object.values(state.tasks)) {
    const name = podInstanceName(t.podType, t.podIndex);
    pods.set(name, [...(pods.get(name) ?? []), t]);
  }
  for (const tasks of pods.values()) tasks.sort((a, b) => (a.taskName < b.taskName ? -1 : a.taskName > b.taskName ? 1 : 0));
  return pods;
}

/** Tasks of the target configuration's pods first, each pod's tasks in pod-spec order (recovery's requirement order). */
export function orderedTasks(state: ServiceState): TaskRecord[] {
  const spec = state.targetConfigId ? state.configs[state.targetConfigId]?.spec : undefined;
  const rank = (t: TaskRecord): number => spec?.pods.find((p) => p.type === t.podType)?.tasks.findIndex((x) => x.name === t.taskSpecName) ?? -1;
  return Object.values(state.tasks).sort(
    (a, b) => (a.podType < b.podType ? -1 : a.podType > b.podType ? 1 : 0) || a.podIndex - b.podIndex || rank(a) - rank(b) || (a.taskName < b.taskName ? -1 : 1),
  );
}

/** Tasks of the pod instance sharing a resource set with the tasks to launch, still alive (reference §2.6 step 4). */
function tasksToKill(state: ServiceState, req: Requirement): Candidate['tasksToKill'] {
  const configId = state.targetConfigId;
  const pod = configId ? state.configs[configId]?.spec.pods.find((p) => p.type === req.podType) : undefined;
  if (!pod) return [];
  const sets = new Set(pod.tasks.filter((t) => req.tasks.includes(t.name)).map((t) => t.resourceSet));
  return pod.tasks
    .filter((t) => sets.has(t.resourceSet))
    .flatMap((t) => {
      const rec = state.tasks[taskInstanceName(req.podType, req.podIndex, t.name)];
      if (!rec || rec.killRequested || !isKillable(rec.lastState)) return [];
      return [{ taskId: rec.taskId, taskName: rec.taskName, agentId: rec.agentId }];
    });
}

/**
 * The steps the coordinator may work on now (reference §2.5, §2.6 step 1): candidates of every plan in coordinator
 * order, only those PENDING or PREPARED. Recovery launches with the task's own configuration (§3.4); paused tasks
 * are named so that they launch with the pause command (§1.6.4).
 */
export function candidatesOf(state: ServiceState, now: string): Candidate[] {
  if (state.plans.length === 0 || !state.targetConfigId) return [];
  const ctx = planContext(state, now);
  const { candidates } = coordinatorCandidates(state.plans, { ctx });
  const out: Candidate[] = [];
  for (const { plan, phase, step } of candidates) {
    const status = stepStatus(step, ctx);
    if (status !== 'PENDING' && status !== 'PREPARED') continue;
    const req = step.requirement;
    let configId = state.targetConfigId;
    if (req && req.recoveryType !== 'NONE') {
      const own = req.tasks.map((t) => state.tasks[taskInstanceName(req.podType, req.podIndex, t)]).filter((t): t is TaskRecord => !!t);
      // The task's current configuration: a later one that left its pod spec alone (count, placement) relabelled it
      // (reference §3.8.2 step 4), so a replacement is placed by the new placement rule.
      const chosen = own.find((t) => t.goal === 'RUNNING') ?? own[0];
      configId = chosen ? effectiveConfigId(state, chosen) : configId;
    }
    const paused = req ? req.tasks.filter((t) => state.overrides[taskInstanceName(req.podType, req.podIndex, t)]?.target === 'PAUSED') : [];
    out.push({
      service: state.service,
      configId,
      plan: plan.name,
      phaseId: phase.id,
      phase: phase.name,
      stepId: step.id,
      step: step.name,
      kind: step.kind,
      ...(step.target ? { target: step.target } : {}),
      status,
      podType: req?.podType ?? '',
      podIndex: req?.podIndex ?? 0,
      tasks: req?.tasks ?? [],
      recoveryType: req?.recoveryType ?? 'NONE',
      environment: step.parameters,
      tasksToKill: req ? tasksToKill(state, req) : [],
      ...(paused.length ? { paused } : {}),
      ...(state.stepLineage[step.id] ? { lineage: state.stepLineage[step.id] } : {}),
    });
  }
  return out;
}
