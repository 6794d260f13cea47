import {
  TERMINAL_TASK_STATES,
  makeEvent,
  serviceAggregate,
  type Candidate,
  type CommandRequest,
  type MarshalEvent,
  type PhaseModel,
  type PlanModel,
  type Recorded,
  type Requirement,
  type StepModel,
} from '@marshal/contracts';
import { readinessCheckPassed, stepAfterEvaluation, stepAfterTaskStatus, type StoredTaskGoalView } from '../model/step-lifecycle';
import { coordinatorCandidates } from '../model/coordinator';
import { phaseStatus, planErrors, planStatus } from '../model/plan-status';
import { stepStatus, displayStatus } from '../model/step-status';
import { recordFailure } from '../model/backoff';
import { DECOMMISSION_PLAN, DEPLOY_PLAN } from '../model/plan-names';
import type { PlanContext } from '../model/types';
import {
  NO_DECISION,
  allTasksPaused,
  meta,
  planContext,
  planOnly,
  serviceEvent,
  type Decision,
  type DecisionContext,
} from './decision';
import { overdueSteps } from './progress-deadline';
import { backoffParams } from './service-settings';
import { unneededLaunchKill, zombieKill } from './orphan-tasks';
import type { ServiceState, TaskRecord } from './service-state';

export type { Decision, DecisionContext } from './decision';

/**
 * A rejected configuration's errors as the deploy plan shows them (reference §3.8.2 step 2, `ConfigValidationError`):
 * Marshal's rejections are never fatal and carry no old/new values.
 */
export function rejectionErrors(state: ServiceState): string[] {
  return state.rejected.map((e) => `Field: '${e.path}'; Message: '${e.message}'; Fatal: false`);
}

/** Errors a plan shows besides its own and its steps': a rejected update (deploy only) and overdue steps. */
function extraErrors(state: ServiceState, plan: PlanModel, overdue: Map<string, string[]>): string[] {
  return [...(plan.name === DEPLOY_PLAN && !state.uninstalling ? rejectionErrors(state) : []), ...(overdue.get(plan.name) ?? [])];
}

/** The plan with the errors it shows attached: any error makes it ERROR (reference §1.3 rule 1). */
function shown(plan: PlanModel, extra: string[]): PlanModel {
  return extra.length ? { ...plan, errors: [...plan.errors, ...extra] } : plan;
}

function stepDisplay(state: ServiceState, step: StepModel, ctx: PlanContext): string {
  if (step.errors.length) return 'ERROR';
  return displayStatus(stepStatus(step, ctx), { allTasksPaused: allTasksPaused(state, step) });
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
    const t = state.tasks[`${req.podType}-${req.podIndex}-${name}`];
    if (!t) return [];
    return [{ goal: t.goal, lastState: t.lastState, configId: effectiveConfigId(state, t), readinessPassed: t.readinessPassed, permanentlyFailed: !!state.permanentlyFailed[t.taskId] }];
  });
}

/** PlanStatusChanged for every plan whose derived statuses differ from what was last published. */
export function publishStatuses(state: ServiceState, ctx: DecisionContext): MarshalEvent[] {
  const pctx = planContext(state, ctx.now);
  const overdue = overdueSteps(state, ctx.now);
  const out: MarshalEvent[] = [];
  for (const plan of state.plans) {
    const seen = state.published[plan.name];
    const extra = extraErrors(state, plan, overdue);
    const status = planStatus(shown(plan, extra), pctx);
    const errors = [...planErrors(plan), ...extra];
    const phases = plan.phases.map((p) => ({ id: p.id, status: phaseStatus(p, pctx) })).filter((p) => seen?.phases[p.id] !== p.status);
    const steps = plan.phases
      .flatMap((p) => p.steps)
      .map((s) => ({ id: s.id, status: stepDisplay(state, s, pctx) as 'ERROR' }))
      .filter((s) => seen?.steps[s.id] !== s.status);
    const same = seen && seen.status === status && JSON.stringify(seen.errors) === JSON.stringify(errors) && !phases.length && !steps.length;
    if (!same) out.push(serviceEvent(state, ctx, 'PlanStatusChanged', { service: state.service, plan: plan.name, status, errors, phases, steps }));
  }
  return out;
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

/** A StepStatusChanged from `where.step` to `next`, or nothing when the step did not change. */
export function stepChanged(state: ServiceState, ctx: DecisionContext, where: StepLocation, next: StepModel, reason: string): MarshalEvent | undefined {
  const before = where.step;
  if (before.status === next.status && JSON.stringify(before.launched) === JSON.stringify(next.launched) && before.prepared === next.prepared && JSON.stringify(before.errors) === JSON.stringify(next.errors)) {
    return undefined;
  }
  return serviceEvent(state, ctx, 'StepStatusChanged', {
    service: state.service,
    plan: where.plan.name,
    phaseId: where.phase.id,
    phase: where.phase.name,
    stepId: before.id,
    step: before.name,
    from: before.status,
    to: next.status,
    reason,
    launched: next.launched,
    prepared: next.prepared,
    errors: next.errors,
  });
}

/**
 * A task status (reference §1.6.2 point 4): transitions of the steps that launched this task id, the task's back-off
 * delay (recorded only when the service enables back-off, §1.6.3) and its goal-override progress (§1.6.4).
 */
function onTaskStatus(state: ServiceState, rec: Recorded<MarshalEvent>, ctx: DecisionContext): Decision {
  const e = rec.event;
  if (e.type !== 'TaskStatusUpdated') return NO_DECISION;
  const task = state.tasks[e.data.taskName];
  if (!task || task.taskId !== e.data.taskId) return NO_DECISION;
  const out: MarshalEvent[] = [];
  let backoff: 'failed' | 'clear' | undefined;
  let progress: ReturnType<typeof stepAfterTaskStatus>['overrideProgress'];
  for (const plan of state.plans) {
    for (const phase of plan.phases) {
      for (const step of phase.steps) {
        if (!step.launched.some((l) => l.taskId === e.data.taskId)) continue;
        const outcome = stepAfterTaskStatus(step, {
          taskId: e.data.taskId,
          state: e.data.state,
          readinessPassed: readinessCheckPassed(task.hasReadinessCheck, e.data.readiness),
          goal: task.goal,
        });
        backoff = outcome.backoff ?? backoff;
        progress = outcome.overrideProgress ?? progress;
        const ev = stepChanged(state, ctx, { plan, phase, step }, outcome.step, `${e.data.taskName} is ${e.data.state}${e.data.message ? `: ${e.data.message}` : ''}`);
        if (ev) out.push(ev);
      }
    }
  }
  // TASK_GONE_BY_OPERATOR clears the delay whatever the step did with it (reference §1.6.2 table).
  if (e.data.state === 'TASK_GONE_BY_OPERATOR') backoff = 'clear';
  const params = backoffParams(state);
  if (backoff === 'failed' && params) {
    const next = recordFailure(state.backoff, task.taskName, Date.parse(e.at), params)[task.taskName];
    out.push(serviceEvent(state, ctx, 'TaskDelayed', { service: state.service, taskName: task.taskName, delayMs: next.delayMs, since: next.since }));
  } else if (backoff === 'clear' && state.backoff[task.taskName]) {
    out.push(serviceEvent(state, ctx, 'TaskDelaysCleared', { service: state.service, tasks: [task.taskName], reason: `${task.taskName} is ${e.data.state}` }));
  }
  const override = state.overrides[task.taskName];
  if (override && progress && override.progress !== 'COMPLETE' && override.progress !== progress) {
    out.push(
      serviceEvent(state, ctx, 'GoalOverridesChanged', {
        service: state.service,
        overrides: [{ taskName: task.taskName, target: override.target, progress }],
        reason: `${task.taskName} is ${e.data.state}`,
      }),
    );
  }
  return planOnly(out);
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
 * At launch, an override not yet under way is (reference §1.6.4; the original did it while recording the launch). A
 * launch that raced an uninstall (placed before it started) is killed: the uninstall plan does not know it.
 */
function onTaskLaunched(state: ServiceState, rec: Recorded<MarshalEvent>, ctx: DecisionContext): Decision {
  const e = rec.event;
  if (e.type !== 'TaskLaunched') return NO_DECISION;
  const name = e.data.task.taskName;
  const task = state.tasks[name];
  if (state.uninstalling && task?.taskId === e.data.task.taskId) {
    return {
      plan: [],
      tasks: [
        {
          subject: ctx.subjects.serviceTask(state.service, task.agentId),
          event: makeEvent('TaskKillRequested', serviceAggregate(state.service), { service: state.service, agentId: task.agentId, taskId: task.taskId, taskName: name, reason: 'launched during uninstall' }, meta(ctx)) as MarshalEvent,
        },
      ],
    };
  }
  const override = state.overrides[name];
  if (!override || override.progress !== 'PENDING') return NO_DECISION;
  return planOnly([
    serviceEvent(state, ctx, 'GoalOverridesChanged', {
      service: state.service,
      overrides: [{ taskName: name, target: override.target, progress: 'IN_PROGRESS' }],
      reason: `${name} launched`,
    }),
  ]);
}

/**
 * What plan-manager must append after an event another writer put in the service's history (already folded into
 * `state`): step transitions, back-off and override progress from task statuses. Plans for a new configuration,
 * recovery and the like are `reconcileService`'s, run after every reaction.
 */
export function reactToEvent(state: ServiceState, rec: Recorded<MarshalEvent>, ctx: DecisionContext): Decision {
  switch (rec.event.type) {
    case 'TaskStatusUpdated': {
      const d = onTaskStatus(state, rec, ctx);
      return { plan: d.plan, tasks: [...d.tasks, ...zombieKill(state, rec, ctx)] };
    }
    case 'TaskLaunched': {
      const d = onTaskLaunched(state, rec, ctx);
      return { plan: d.plan, tasks: [...d.tasks, ...unneededLaunchKill(state, rec, ctx)] };
    }
    default:
      return NO_DECISION;
  }
}

/** A stored task's fact on its agent's task subject. */
function taskFact(state: ServiceState, ctx: DecisionContext, t: TaskRecord, event: 'TaskErased'): { subject: string; event: MarshalEvent } {
  return {
    subject: ctx.subjects.serviceTask(state.service, t.agentId),
    event: makeEvent(event, serviceAggregate(state.service), { service: state.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName }, meta(ctx)) as MarshalEvent,
  };
}

/**
 * What a completed decommission step does besides completing (reference §3.5): `kill-<task>` puts the task's
 * DECOMMISSIONED override under way; `erase-<task>` forgets the task and its override.
 */
function decommissionEffects(state: ServiceState, where: StepLocation, ctx: DecisionContext): Decision {
  const task = where.step.target ? state.tasks[where.step.target] : undefined;
  if (where.plan.name !== DECOMMISSION_PLAN || !task) return NO_DECISION;
  if (where.step.kind === 'kill') {
    return planOnly([
      serviceEvent(state, ctx, 'GoalOverridesChanged', {
        service: state.service,
        overrides: [{ taskName: task.taskName, target: 'DECOMMISSIONED', progress: 'IN_PROGRESS' }],
        reason: `${where.step.name} started`,
      }),
    ]);
  }
  if (where.step.kind === 'erase') {
    const clear = state.overrides[task.taskName]
      ? [serviceEvent(state, ctx, 'GoalOverridesChanged', { service: state.service, overrides: [{ taskName: task.taskName, target: 'NONE', progress: 'COMPLETE' }], reason: `${where.step.name}` })]
      : [];
    return { plan: clear, tasks: [taskFact(state, ctx, task, 'TaskErased')] };
  }
  return NO_DECISION;
}

/** The coordinator's report on a candidate (reference §1.6.2 updateOfferStatus, §2.6, §3.5, §3.6). */
export function applyOfferReport(state: ServiceState, report: CommandRequest<'plan.offer-evaluated'>, ctx: DecisionContext): Decision {
  const where = findStep(state, report.plan, report.stepId);
  if (!where) return NO_DECISION;
  const r = report.result;
  const one = (ev: MarshalEvent | undefined): Decision => planOnly(ev ? [ev] : []);
  switch (r.kind) {
    case 'launched': {
      // A fast task may have reported before this report reached the step, which then ignored the status (it
      // tracked no such task yet): apply each task's latest known status now, as a reconciliation would.
      let step = stepAfterEvaluation(where.step, r.tasks);
      const caught: string[] = [];
      for (const t of r.tasks) {
        const known = state.tasks[t.taskName];
        if (!known || known.taskId !== t.taskId || !known.lastState) continue;
        step = stepAfterTaskStatus(step, { taskId: t.taskId, state: known.lastState, readinessPassed: known.readinessPassed, goal: known.goal }).step;
        caught.push(`${t.taskName} is ${known.lastState}`);
      }
      const why = `launched ${r.tasks.map((t) => t.taskName).join(', ')}${caught.length ? `; ${caught.join(', ')}` : ''}`;
      return one(stepChanged(state, ctx, where, step, why));
    }
    case 'no-fit':
      return one(stepChanged(state, ctx, where, stepAfterEvaluation(where.step, []), r.outcome));
    case 'reserved':
      return one(stepChanged(state, ctx, where, stepAfterEvaluation(where.step, []), `resources reserved on ${r.hostname}`));
    case 'done': {
      const ev = stepChanged(state, ctx, where, { ...where.step, status: 'COMPLETE', prepared: true }, r.note);
      if (!ev) return NO_DECISION;
      const effects = decommissionEffects(state, where, ctx);
      return { plan: [ev, ...effects.plan], tasks: effects.tasks };
    }
  }
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
      const rec = state.tasks[`${req.podType}-${req.podIndex}-${t.name}`];
      if (!rec || rec.killRequested || (rec.lastState && TERMINAL_TASK_STATES.has(rec.lastState))) return [];
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
      const own = req.tasks.map((t) => state.tasks[`${req.podType}-${req.podIndex}-${t}`]).filter((t): t is TaskRecord => !!t);
      // The task's current configuration: a later one that left its pod spec alone (count, placement) relabelled it
      // (reference §3.8.2 step 4), so a replacement is placed by the new placement rule.
      const chosen = own.find((t) => t.goal === 'RUNNING') ?? own[0];
      configId = chosen ? effectiveConfigId(state, chosen) : configId;
    }
    const paused = req ? req.tasks.filter((t) => state.overrides[`${req.podType}-${req.podIndex}-${t}`]?.target === 'PAUSED') : [];
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
