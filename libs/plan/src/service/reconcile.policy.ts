import { isTaskDone, podInstanceName, type MarshalEvent, type PlanModel, type ServiceSpec } from '@marshal/contracts';
import { delayActive } from '../model/backoff';
import { coordinatorCandidates } from '../model/coordinator';
import { generatePlans, type GenerateOptions } from '../model/plan-generation';
import { DECOMMISSION_PLAN, DEPLOY_PLAN, RECOVERY_PLAN } from '../model/plan-names';
import { planStatus } from '../model/plan-status';
import { toPlanTree } from '../model/plan-tree';
import { newRecoveryPlan, nextRecoveryPlan, recoveryRequirements, tasksGoneByOperator, type RecoveryTaskView } from '../model/recovery';
import { stepTaskNames } from '../model/requirement';
import { initialStepStatus, stepAfterTaskStatus } from '../model/step-lifecycle';
import { decommissionPlan, type DecommissionTaskView } from '../model/teardown-plans';
import { NO_DECISION, generated, planOnly, serviceEvent, stepChanged, type Decision, type DecisionContext } from './decision';
import { permanentFailureTimeoutMs } from './service-settings';
import { allTasksPaused, orderedTasks, planContext, storedTasksOf } from './service.queries';
import { publishStatuses } from './publish.policy';
import { withUnneededKills } from './orphan-tasks';
import { DEFAULT_PLAN_LIMITS, podCountProblem, type PlanLimits } from './plan-limits';
import type { ServiceState, TaskRecord } from './service-state';

/**
 * The deploy plan, then the custom plans, of a configuration (reference §3.0–§3.3, §3.7). The original refused to
 * start on generation errors; Marshal shows them on an empty deploy plan instead (ERROR).
 */
export function deployAndCustomPlans(spec: ServiceSpec, opts: GenerateOptions, limits: Pick<PlanLimits, 'maxPodsPerService'> = DEFAULT_PLAN_LIMITS): PlanModel[] {
  // A configuration over the pod bound (one accepted before the bound existed, or under a higher one) is never
  // expanded into steps: that alone could exhaust the memory of plan-manager. Its deploy plan shows why instead.
  const tooMany = podCountProblem(spec, { ...DEFAULT_PLAN_LIMITS, ...limits });
  if (tooMany) return [{ name: DEPLOY_PLAN, strategy: { type: 'serial', interrupted: false, chain: [] }, phases: [], errors: [tooMany] }];
  const result = generatePlans(spec, opts);
  if (result.errors.length === 0) return result.plans;
  return [{ name: DEPLOY_PLAN, strategy: { type: 'serial', interrupted: false, chain: [] }, phases: [], errors: result.errors }];
}

/** Every plan a fresh install of `spec` starts with, in coordinator order: deploy, recovery, custom plans. */
export function plansForInstall(spec: ServiceSpec, newId: () => string): PlanModel[] {
  const [deploy, ...custom] = deployAndCustomPlans(spec, { deploymentCompleted: false, newId, initialStatus: () => 'PENDING' });
  return [deploy, newRecoveryPlan(), ...custom];
}

/**
 * New plans for the target configuration (reference §3.0 steps 6–8, §3.3, §3.5, §3.8): deploy (or update as deploy),
 * the recovery plan kept as it is, decommission when stored tasks left the spec, then custom plans; plans the
 * configuration no longer has are removed; decommission overrides marked or cleared.
 */
function regenerate(state: ServiceState, ctx: DecisionContext): MarshalEvent[] {
  const configId = state.targetConfigId;
  if (!configId) return [];
  const target = state.configs[configId];
  const [deploy, ...custom] = deployAndCustomPlans(
    target.spec,
    {
      deploymentCompleted: state.deploymentCompleted,
      newId: ctx.newId,
      initialStatus: (req) => initialStepStatus(storedTasksOf(state, req), configId),
    },
    ctx.limits,
  );

  const decommissionViews: DecommissionTaskView[] = orderedTasks(state).map((t) => ({
    taskName: t.taskName,
    podType: t.podType,
    podIndex: t.podIndex,
    resourceIds: [t.reservationId],
    ...(state.overrides[t.taskName] ? { override: state.overrides[t.taskName].target } : {}),
  }));
  const decommission = decommissionPlan(target.spec, decommissionViews, ctx.newId);

  const ordered: { model: PlanModel; keep?: boolean }[] = [
    { model: deploy },
    { model: state.plans.find((p) => p.name === RECOVERY_PLAN) ?? newRecoveryPlan(), keep: state.plans.some((p) => p.name === RECOVERY_PLAN) },
    ...(decommission.plan ? [{ model: decommission.plan }] : []),
    ...custom.map((model) => ({ model })),
  ];
  const names = new Set(ordered.map((p) => p.model.name));
  const out: MarshalEvent[] = state.plans
    .filter((p) => !names.has(p.name))
    .map((p) => serviceEvent(state, ctx, 'PlanRemoved', { service: state.service, plan: p.name, reason: `not in configuration ${configId}` }));
  let scratch = state;
  ordered.forEach(({ model, keep }, order) => {
    if (keep) return;
    out.push(generated(scratch, ctx, model, order, configId));
    scratch = { ...scratch, plans: [...scratch.plans.filter((p) => p.name !== model.name), model] };
  });
  const overrides = [
    ...decommission.markDecommissioning.map((taskName) => ({ taskName, target: 'DECOMMISSIONED' as const, progress: 'PENDING' as const })),
    ...decommission.clearDecommissioning.map((taskName) => ({ taskName, target: 'NONE' as const, progress: 'COMPLETE' as const })),
  ];
  if (overrides.length) {
    out.push(serviceEvent(state, ctx, 'GoalOverridesChanged', { service: state.service, overrides, reason: `decommission for configuration ${configId}` }));
  }
  return out;
}

function recoveryViews(state: ServiceState, now: number): RecoveryTaskView[] {
  return orderedTasks(state).map((t) => ({
    taskName: t.taskName,
    podType: t.podType,
    podIndex: t.podIndex,
    taskSpecName: t.taskSpecName,
    goal: t.goal,
    essential: t.essential,
    ...(t.lastState ? { lastState: t.lastState } : {}),
    permanentlyFailed: !!state.permanentlyFailed[t.taskId],
    delayActive: delayActive(state.backoff, t.taskName, now),
  }));
}

/**
 * Tasks to label permanently failed (reference §3.4 steps 1 and 6): those reporting TASK_GONE_BY_OPERATOR, and with
 * automatic pod replacement, every launched task of a pod one of whose goal-RUNNING tasks has been down longer than
 * the timeout (the original's TimedFailureMonitor, timed here from the failure's status instead of from when it was
 * first looked at).
 */
function permanentFailures(state: ServiceState, ctx: DecisionContext): MarshalEvent[] {
  const tasks = Object.values(state.tasks);
  const out: MarshalEvent[] = [];
  const gone = new Set(tasksGoneByOperator(recoveryViews(state, Date.parse(ctx.now))).filter((n) => !state.permanentlyFailed[state.tasks[n].taskId]));
  if (gone.size) {
    const list = [...gone].map((n) => ({ taskId: state.tasks[n].taskId, taskName: n }));
    out.push(serviceEvent(state, ctx, 'TasksPermanentlyFailed', { service: state.service, tasks: list, reason: 'TASK_GONE_BY_OPERATOR' }));
  }
  const timeout = permanentFailureTimeoutMs(state);
  if (timeout === undefined) return out;
  const now = Date.parse(ctx.now);
  const recoverable = new Set(state.plans.filter((p) => p.name !== RECOVERY_PLAN && p.name !== DECOMMISSION_PLAN).flatMap((p) => p.phases.flatMap((ph) => ph.steps.flatMap(stepTaskNames))));
  const down = (t: TaskRecord) =>
    t.goal === 'RUNNING' &&
    recoverable.has(t.taskName) &&
    t.lastState !== undefined &&
    isTaskDone(t.lastState) &&
    !state.permanentlyFailed[t.taskId] &&
    t.stateAt !== undefined &&
    now - Date.parse(t.stateAt) >= timeout;
  const pods = new Set(tasks.filter(down).map((t) => podInstanceName(t.podType, t.podIndex)));
  const label = tasks.filter((t) => pods.has(podInstanceName(t.podType, t.podIndex)) && !state.permanentlyFailed[t.taskId] && !gone.has(t.taskName));
  if (label.length) {
    out.push(
      serviceEvent(state, ctx, 'TasksPermanentlyFailed', {
        service: state.service,
        tasks: label.map((t) => ({ taskId: t.taskId, taskName: t.taskName })),
        reason: `down longer than PERMANENT_FAILURE_TIMEOUT_SECS=${timeout / 1000}`,
      }),
    );
  }
  return out;
}

/**
 * One recovery pass (reference §3.4): the coordinator's candidate walk over the plans in order, regenerating the
 * recovery plan with the assets earlier plans hold or just claimed; the change, if any, as RecoveryPlanChanged.
 */
function recoveryPass(state: ServiceState, ctx: DecisionContext): MarshalEvent[] {
  const recovery = state.plans.find((p) => p.name === RECOVERY_PLAN);
  if (!recovery) return [];
  const pctx = planContext(state, ctx.now);
  const views = recoveryViews(state, Date.parse(ctx.now));
  const owners = state.plans.filter((p) => p.name !== RECOVERY_PLAN && p.name !== DECOMMISSION_PLAN);
  let next = recovery;
  coordinatorCandidates(state.plans, {
    ctx: pctx,
    regenerate: (plan, relevantDirty) => {
      if (plan.name !== RECOVERY_PLAN) return plan;
      const requirements = recoveryRequirements({ tasks: views, dirty: relevantDirty, recoveryPlan: plan, plans: owners, ctx: pctx });
      next = requirements.length ? nextRecoveryPlan(plan, requirements, ctx.newId) : plan;
      return next;
    },
  });
  if (next === recovery) return [];
  const kept = new Set(next.phases.map((p) => p.id));
  const before = new Set(recovery.phases.map((p) => p.id));
  const added = next.phases.filter((p) => !before.has(p.id));
  const scratch: ServiceState = { ...state, plans: state.plans.map((p) => (p.name === RECOVERY_PLAN ? next : p)) };
  const tree = toPlanTree(next, { ctx: planContext(scratch, ctx.now), allTasksPaused: (s) => allTasksPaused(scratch, s) });
  return [
    serviceEvent(state, ctx, 'RecoveryPlanChanged', {
      service: state.service,
      removedPhases: recovery.phases.filter((p) => !kept.has(p.id)).map((p) => p.id),
      added,
      addedTree: tree.phases.filter((p) => added.some((a) => a.id === p.id)),
    }),
  ];
}

/**
 * Task statuses a step has not taken in yet (level-triggered, run by `reconcileService`): a status the log holds but
 * that came before the step tracked its task — the coordinator's launch report was decided on a state not yet folded
 * up to the status, or plan-manager replayed the two after a crash, when it reacts to nothing. Each step that launched
 * a task whose latest status would change it gets that status now. Back-off and override progress stay with the live
 * reaction (`onTaskStatus`).
 */
export function lateTaskStatuses(state: ServiceState, ctx: DecisionContext): MarshalEvent[] {
  const out: MarshalEvent[] = [];
  for (const plan of state.plans) {
    for (const phase of plan.phases) {
      for (const step of phase.steps) {
        if (step.status === 'COMPLETE' || step.launched.length === 0) continue;
        let next = step;
        const caught: string[] = [];
        for (const l of step.launched) {
          const task = state.tasks[l.taskName];
          if (!task?.lastState || task.taskId !== l.taskId) continue;
          const after = stepAfterTaskStatus(next, { taskId: task.taskId, state: task.lastState, readinessPassed: task.readinessPassed, goal: task.goal }).step;
          // Only a status the step has not taken in: the task's own entry changes. (A step restarted by an operator
          // keeps its entries; their statuses, taken in before, must not complete it again.)
          const entry = (st: typeof step) => st.launched.find((x) => x.taskId === l.taskId)?.status;
          if (entry(after) === entry(next)) continue;
          caught.push(`${task.taskName} is ${task.lastState}`);
          next = after;
        }
        const ev = caught.length ? stepChanged(state, ctx, { plan, phase, step }, next, caught.join(', ')) : undefined;
        if (ev) out.push(ev);
      }
    }
  }
  return out;
}

/**
 * Level-triggered fixes that must hold whatever event came last — run after every reaction, after replaying the log
 * (a crash may have interrupted a decision) and on every tick (time-based rules). Returns the first fix that is
 * needed; the caller applies it and asks again until nothing is left:
 * 1. an uninstall whose plan completed removes the service (§3.6);
 * 2. plans for a target configuration not planned yet (§3.0, §3.8), killing the stored tasks they do not launch;
 * 3. tasks to label permanently failed (§3.4 steps 1, 6);
 * 4. a recovery pass (§3.4).
 */
export function reconcileService(state: ServiceState, ctx: DecisionContext): Decision {
  if (state.uninstalling) {
    const deploy = state.plans.find((p) => p.name === DEPLOY_PLAN);
    if (deploy && planStatus(deploy, planContext(state, ctx.now)) === 'COMPLETE') {
      // The uninstall plan's final statuses first: they are what the service's kept record shows (COMPLETE).
      return planOnly([...publishStatuses(state, ctx), serviceEvent(state, ctx, 'ServiceRemoved', { service: state.service })]);
    }
    return NO_DECISION;
  }
  // The stored tasks the new plans do not launch are killed with the regeneration (reference §3.0 steps 7–8).
  if (state.targetConfigId && state.targetConfigId !== state.plansConfigId) return withUnneededKills(state, regenerate(state, ctx), ctx);
  const failures = permanentFailures(state, ctx);
  if (failures.length) return planOnly(failures);
  const late = lateTaskStatuses(state, ctx);
  if (late.length) return planOnly(late);
  return planOnly(recoveryPass(state, ctx));
}
