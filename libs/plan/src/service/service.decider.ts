import {
  TERMINAL_TASK_STATES,
  makeEvent,
  serviceAggregate,
  type Candidate,
  type CommandRequest,
  type EventData,
  type EventMeta,
  type EventType,
  type MarshalEvent,
  type PhaseModel,
  type PlanModel,
  type PlanTree,
  type Recorded,
  type Requirement,
  type StepModel,
  type Subjects,
} from '@marshal/contracts';
import { generatePlans } from '../model/plan-generation';
import { initialStepStatus, readinessCheckPassed, stepAfterEvaluation, stepAfterTaskStatus, type StoredTaskGoalView } from '../model/step-lifecycle';
import { coordinatorCandidates } from '../model/coordinator';
import { phaseStatus, planErrors, planStatus } from '../model/plan-status';
import { stepStatus, displayStatus } from '../model/step-status';
import { backoffContext } from '../model/backoff';
import { toPlanTree } from '../model/plan-tree';
import { newRecoveryPlan } from '../model/recovery';
import type { PlanContext } from '../model/types';
import type { ServiceState, TaskRecord } from './service-state';

/** Clock, ids and the cause of a decision: domain code never reads them itself. */
export interface DecisionContext {
  now: string;
  newId: () => string;
  subjects: Subjects;
  correlationId: string;
  causationId: string | null;
  actor: string;
}

/** What plan-manager appends: plan events on the service's plan subject (in order), task facts on task subjects. */
export interface Decision {
  plan: MarshalEvent[];
  tasks: { subject: string; event: MarshalEvent }[];
}

const RECOVERY = 'recovery';

function meta(ctx: DecisionContext): EventMeta {
  return { id: ctx.newId(), at: ctx.now, correlationId: ctx.correlationId, causationId: ctx.causationId, actor: ctx.actor };
}

function planEvent<T extends EventType>(state: ServiceState, ctx: DecisionContext, type: T, data: EventData<T>): MarshalEvent {
  return makeEvent(type, serviceAggregate(state.service), data, meta(ctx)) as MarshalEvent;
}

function planContext(state: ServiceState, now: string): PlanContext {
  return backoffContext(state.backoff, Date.parse(now));
}

/** Every task of a pod instance is paused (reference §1.6.2 display status). */
function allTasksPaused(state: ServiceState, step: StepModel): boolean {
  const req = step.requirement;
  if (!req) return false;
  const spec = state.targetConfigId ? state.configs[state.targetConfigId]?.spec : undefined;
  const pod = spec?.pods.find((p) => p.type === req.podType);
  if (!pod) return false;
  return pod.tasks.every((t) => state.overrides[`${req.podType}-${req.podIndex}-${t.name}`]?.target === 'PAUSED');
}

/** The plan as the API shows it: aggregated statuses, display statuses of steps, the original's strategy names. */
export function planTree(state: ServiceState, plan: PlanModel, now: string): PlanTree {
  return toPlanTree(plan, { ctx: planContext(state, now), allTasksPaused: (step) => allTasksPaused(state, step) });
}

function stepDisplay(state: ServiceState, step: StepModel, ctx: PlanContext): string {
  const status = stepStatus(step, ctx);
  return displayStatus(status, { allTasksPaused: allTasksPaused(state, step) });
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

function storedTasksOf(state: ServiceState, req: Requirement): StoredTaskGoalView[] {
  return req.tasks.flatMap((name) => {
    const t = state.tasks[`${req.podType}-${req.podIndex}-${name}`];
    if (!t) return [];
    return [{ goal: t.goal, lastState: t.lastState, configId: effectiveConfigId(state, t), readinessPassed: t.readinessPassed, permanentlyFailed: !!state.permanentlyFailed[t.taskName] }];
  });
}

/** PlanStatusChanged for every plan whose derived statuses differ from what was last published. */
export function publishStatuses(state: ServiceState, ctx: DecisionContext): MarshalEvent[] {
  const pctx = planContext(state, ctx.now);
  const out: MarshalEvent[] = [];
  for (const plan of state.plans) {
    const seen = state.published[plan.name];
    const status = planStatus(plan, pctx);
    const errors = planErrors(plan);
    const phases = plan.phases.map((p) => ({ id: p.id, status: phaseStatus(p, pctx) })).filter((p) => seen?.phases[p.id] !== p.status);
    const steps = plan.phases
      .flatMap((p) => p.steps)
      .map((s) => ({ id: s.id, status: (s.errors.length ? 'ERROR' : stepDisplay(state, s, pctx)) as 'ERROR' }))
      .filter((s) => seen?.steps[s.id] !== s.status);
    const same = seen && seen.status === status && JSON.stringify(seen.errors) === JSON.stringify(errors) && !phases.length && !steps.length;
    if (!same) out.push(planEvent(state, ctx, 'PlanStatusChanged', { service: state.service, plan: plan.name, status, errors, phases, steps }));
  }
  return out;
}

/** New plans for the target configuration (reference §3.0 steps 6–8, §3.8): deploy first, then recovery, then custom. */
function regenerate(state: ServiceState, ctx: DecisionContext): MarshalEvent[] {
  const configId = state.targetConfigId;
  if (!configId) return [];
  const target = state.configs[configId];
  const generated = generatePlans(target.spec, {
    deploymentCompleted: state.deploymentCompleted,
    newId: ctx.newId,
    initialStatus: (req) => initialStepStatus(storedTasksOf(state, req), configId),
  });
  let plans = generated.plans;
  if (generated.errors.length) {
    // The original refused to start; Marshal shows the errors on an empty deploy plan instead (ERROR).
    plans = [{ name: 'deploy', strategy: { type: 'serial', interrupted: false, chain: [] }, phases: [], errors: generated.errors }];
  }
  const recovery = state.plans.find((p) => p.name === RECOVERY) ?? newRecoveryPlan();
  const ordered = [plans[0], recovery, ...plans.slice(1)];
  const scratch: ServiceState = { ...state, plans: ordered };
  return ordered.map((model, order) =>
    planEvent(state, ctx, 'PlanGenerated', { service: state.service, configId, order, model, plan: planTree(scratch, model, ctx.now) }),
  );
}

function findStep(state: ServiceState, planName: string, stepId: string): { plan: PlanModel; phase: PhaseModel; step: StepModel } | undefined {
  const plan = state.plans.find((p) => p.name === planName);
  for (const phase of plan?.phases ?? []) {
    const step = phase.steps.find((s) => s.id === stepId);
    if (plan && step) return { plan, phase, step };
  }
  return undefined;
}

function stepChanged(
  state: ServiceState,
  ctx: DecisionContext,
  where: { plan: PlanModel; phase: PhaseModel; step: StepModel },
  next: StepModel,
  reason: string,
): MarshalEvent | undefined {
  const before = where.step;
  if (before.status === next.status && JSON.stringify(before.launched) === JSON.stringify(next.launched) && before.prepared === next.prepared && JSON.stringify(before.errors) === JSON.stringify(next.errors)) {
    return undefined;
  }
  return planEvent(state, ctx, 'StepStatusChanged', {
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
 * Level-triggered fixes that hold whatever event came last — what plan-manager runs after replaying the log (a crash
 * may have interrupted a decision) and on every tick: plans for a target configuration not planned yet.
 */
export function reconcileService(state: ServiceState, ctx: DecisionContext): MarshalEvent[] {
  if (state.targetConfigId && state.targetConfigId !== state.plansConfigId) return regenerate(state, ctx);
  return [];
}

/**
 * What plan-manager must append after an event another writer put in the service's history (already folded into
 * `state`): plans for a new target configuration, step transitions from task statuses.
 */
export function reactToEvent(state: ServiceState, rec: Recorded<MarshalEvent>, ctx: DecisionContext): MarshalEvent[] {
  const e = rec.event;
  switch (e.type) {
    case 'ConfigurationAccepted':
      return reconcileService(state, ctx);
    case 'TaskStatusUpdated': {
      const task = state.tasks[e.data.taskName];
      if (!task || task.taskId !== e.data.taskId) return [];
      const out: MarshalEvent[] = [];
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
            const ev = stepChanged(state, ctx, { plan, phase, step }, outcome.step, `${e.data.taskName} is ${e.data.state}${e.data.message ? `: ${e.data.message}` : ''}`);
            if (ev) out.push(ev);
          }
        }
      }
      return out;
    }
    default:
      return [];
  }
}

/** The coordinator's report on a candidate (reference §1.6.2 updateOfferStatus). */
export function applyOfferReport(state: ServiceState, report: CommandRequest<'plan.offer-evaluated'>, ctx: DecisionContext): MarshalEvent[] {
  const where = findStep(state, report.plan, report.stepId);
  if (!where) return [];
  const r = report.result;
  switch (r.kind) {
    case 'launched': {
      const ev = stepChanged(state, ctx, where, stepAfterEvaluation(where.step, r.tasks), `launched ${r.tasks.map((t) => t.taskName).join(', ')}`);
      return ev ? [ev] : [];
    }
    case 'no-fit': {
      const ev = stepChanged(state, ctx, where, stepAfterEvaluation(where.step, []), r.outcome);
      return ev ? [ev] : [];
    }
    case 'reserved': {
      const ev = stepChanged(state, ctx, where, stepAfterEvaluation(where.step, []), `resources reserved on ${r.hostname}`);
      return ev ? [ev] : [];
    }
    case 'done': {
      const ev = stepChanged(state, ctx, where, { ...where.step, status: 'COMPLETE', prepared: true }, r.note);
      return ev ? [ev] : [];
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
 * order, only those PENDING or PREPARED. Recovery launches with the task's own configuration (§3.4).
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
      configId = (own.find((t) => t.goal === 'RUNNING') ?? own[0])?.configId ?? configId;
    }
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
      ...(state.stepLineage[step.id] ? { lineage: state.stepLineage[step.id] } : {}),
    });
  }
  return out;
}
