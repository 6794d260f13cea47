import { makeEvent, serviceAggregate, type MarshalEvent, type PlanModel } from '@marshal/contracts';
import { DECOMMISSION_PLAN } from '../model/plan-names';
import { applyPlanCommand } from '../model/plan-commands';
import { stepAfterEvaluation, stepAfterTaskStatus } from '../model/step-lifecycle';
import { ownInterrupted } from '../model/strategy';
import { uninstallPlan, type UninstallTaskView } from '../model/teardown-plans';
import {
  NO_DECISION,
  accepted,
  assertUnreachable,
  generated,
  meta,
  planOnly,
  rejected,
  serviceEvent,
  stepChanged,
  type DecideResult,
  type Decision,
  type DecisionContext,
} from './decision';
import type { OfferEvaluationResult, PlanCommand, PodCommand, ServiceCommand } from './service.commands';
import { findStep, orderedTasks, planContext, podInstances, type StepLocation } from './service.queries';
import type { ServiceState, TaskRecord } from './service-state';

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The fine-grained events that turn `before` into `after`, for a plan an operator command changed (reference §1.4,
 * §1.5, §3.7): the plan's and phases' interrupt flags, parameters, steps' interrupt flags, and step status changes
 * (restarts, force-completes) with `reason` naming the command. Folding them with `evolvePlan` gives `after`.
 */
export function planChangeEvents(state: ServiceState, ctx: DecisionContext, before: PlanModel, after: PlanModel, reason: string): MarshalEvent[] {
  const out: MarshalEvent[] = [];
  const plan = { service: state.service, plan: after.name };
  if (before.strategy.interrupted !== after.strategy.interrupted) {
    out.push(serviceEvent(state, ctx, after.strategy.interrupted ? 'PlanInterrupted' : 'PlanProceeded', plan));
  }
  const steps = (p: PlanModel) => p.phases.flatMap((ph) => ph.steps);
  const afterSteps = steps(after);
  if (afterSteps.length && !sameJson(steps(before).map((s) => s.parameters), afterSteps.map((s) => s.parameters))) {
    const parameters = afterSteps[0].parameters;
    if (!afterSteps.every((s) => sameJson(s.parameters, parameters))) throw new Error('a plan command set different parameters on different steps');
    out.push(serviceEvent(state, ctx, 'PlanParametersSet', { ...plan, parameters }));
  }
  after.phases.forEach((phase, i) => {
    const old = before.phases[i];
    if (!old || old.id !== phase.id) throw new Error(`a plan command changed the phases of plan ${after.name}`);
    const where = { ...plan, phaseId: phase.id, phase: phase.name };
    if (ownInterrupted(old.strategy) !== ownInterrupted(phase.strategy)) {
      out.push(serviceEvent(state, ctx, ownInterrupted(phase.strategy) ? 'PhaseInterrupted' : 'PhaseProceeded', where));
    }
    phase.steps.forEach((step, j) => {
      const was = old.steps[j];
      const at = { ...where, stepId: step.id, step: step.name };
      if (was.interrupted !== step.interrupted) out.push(serviceEvent(state, ctx, step.interrupted ? 'StepInterrupted' : 'StepProceeded', at));
      const skipChanged = !!was.skipped !== !!step.skipped;
      if (skipChanged || was.status !== step.status || !sameJson(was.launched, step.launched) || was.prepared !== step.prepared || !sameJson(was.errors, step.errors)) {
        out.push(
          serviceEvent(state, ctx, 'StepStatusChanged', {
            ...at,
            from: was.status,
            to: step.status,
            reason,
            launched: step.launched,
            prepared: step.prepared,
            errors: step.errors,
            ...(step.skipped ? { skipped: true as const } : {}),
          }),
        );
      }
    });
  });
  return out;
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
function reportOfferEvaluation(state: ServiceState, report: { plan: string; stepId: string; result: OfferEvaluationResult }, ctx: DecisionContext): Decision {
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

/**
 * An operator command on a plan (reference §6.2): the original's outcome, and when it is OK the events describing
 * exactly what changed — none when nothing did (e.g. `continue` on a plan that only waits for a canary phase).
 */
function decidePlanCommand(state: ServiceState, cmd: PlanCommand, ctx: DecisionContext): DecideResult {
  const before = state.plans.find((p) => p.name === cmd.plan);
  const result = applyPlanCommand(before, cmd, planContext(state, ctx.now));
  if (result.outcome.code !== 'OK') return rejected(result.outcome.code, result.outcome.message);
  if (!before) return rejected('NOT_FOUND', `Plan ${cmd.plan} not found`);
  const what = [cmd.phase && `phase ${cmd.phase}`, cmd.step && `step ${cmd.step}`].filter(Boolean).join(', ');
  const events = planChangeEvents(state, ctx, before, result.plan as PlanModel, `${cmd.action}${what ? ` (${what})` : ''} by ${ctx.actor}`);
  const delayed = result.clearBackoff.filter((t) => state.backoff[t]);
  if (delayed.length) events.push(serviceEvent(state, ctx, 'TaskDelaysCleared', { service: state.service, tasks: delayed, reason: `${cmd.action} by ${ctx.actor}` }));
  return accepted(planOnly(events), result.outcome.message);
}

function kill(state: ServiceState, ctx: DecisionContext, t: TaskRecord, reason: string): { subject: string; event: MarshalEvent } {
  return {
    subject: ctx.subjects.serviceTask(state.service, t.agentId),
    event: makeEvent('TaskKillRequested', serviceAggregate(state.service), { service: state.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, reason }, meta(ctx)) as MarshalEvent,
  };
}

/**
 * An operator command on a pod instance (reference §6.3, §1.6.4, §3.4): restart and replace act on every task of the
 * pod (replace also labels them permanently failed); pause and resume on the tasks named (or all), storing their
 * override. The tasks are killed — even those already ended — and recovery relaunches them.
 */
function decidePodCommand(state: ServiceState, cmd: PodCommand, ctx: DecisionContext): DecideResult {
  const notFound = rejected('NOT_FOUND', `Pod ${cmd.pod} not found`);
  const tasks = podInstances(state).get(cmd.pod);
  if (!tasks) return notFound;
  let selected = tasks;
  if ((cmd.action === 'pause' || cmd.action === 'resume') && cmd.tasks && cmd.tasks.length > 0) {
    const picked = cmd.tasks.map((n) => tasks.find((t) => t.taskName === n || t.taskSpecName === n));
    if (picked.some((t) => !t)) return notFound;
    selected = tasks.filter((t) => picked.includes(t));
  }
  const names = selected.map((t) => t.taskName);
  const data = { service: state.service, pod: cmd.pod, tasks: names };
  const plan: MarshalEvent[] = [];
  switch (cmd.action) {
    case 'restart':
      plan.push(serviceEvent(state, ctx, 'PodRestartRequested', data));
      break;
    case 'replace':
      plan.push(serviceEvent(state, ctx, 'PodReplaceRequested', { ...data, taskIds: selected.map((t) => t.taskId) }));
      break;
    case 'pause':
      plan.push(serviceEvent(state, ctx, 'PodPauseRequested', data));
      break;
    case 'resume':
      plan.push(serviceEvent(state, ctx, 'PodResumeRequested', data));
      break;
  }
  return accepted({ plan, tasks: selected.map((t) => kill(state, ctx, t, `pod ${cmd.action} by ${ctx.actor}`)) }, `${cmd.action} ${cmd.pod}`, names);
}

/**
 * The uninstall plan for the service's stored tasks (reference §3.6), replacing every plan: ServiceUninstallStarted,
 * the other plans removed, the uninstall plan generated as `deploy`.
 */
function uninstallEvents(state: ServiceState, ctx: DecisionContext): MarshalEvent[] {
  const configId = state.targetConfigId as string;
  const spec = state.configs[configId].spec;
  const views: UninstallTaskView[] = orderedTasks(state).map((t) => ({
    taskId: t.taskId,
    taskName: t.taskName,
    hostname: t.hostname,
    resourceIds: [t.reservationId],
    permanentlyFailed: !!state.permanentlyFailed[t.taskId],
    ...(t.lastState ? { lastState: t.lastState } : {}),
  }));
  const plan = uninstallPlan(spec, views, ctx.newId);
  const scratch: ServiceState = { ...state, plans: [plan] };
  return [
    serviceEvent(state, ctx, 'ServiceUninstallStarted', { service: state.service }),
    ...state.plans.map((p) => serviceEvent(state, ctx, 'PlanRemoved', { service: state.service, plan: p.name, reason: 'service uninstall' })),
    generated(scratch, ctx, plan, 0, configId),
  ];
}

/**
 * Uninstall (reference §3.6): the plans are replaced by the uninstall plan named `deploy`; once it completes,
 * `reconcileService` removes the service. A second request changes nothing.
 */
function decideUninstall(state: ServiceState, ctx: DecisionContext): DecideResult {
  if (state.uninstalling) return accepted(NO_DECISION, `${state.service} is being uninstalled`);
  if (!state.targetConfigId) return rejected('NOT_FOUND', `Service ${state.service} not found`);
  return accepted(planOnly(uninstallEvents(state, ctx)), `uninstalling ${state.service}`);
}

/** A service plan-manager knows: one with a configuration or plans (operator commands name it). */
const known = (state: ServiceState): boolean => !!state.targetConfigId || state.plans.length > 0;

/**
 * The service aggregate's decider (STYLE.md "Deciders"): every command, one result shape. Operator commands on a
 * service plan-manager does not know, and reports for a service it never saw an event of, are NOT_FOUND. What
 * follows a decision — reconciling (`reconcileService`) and publishing statuses (`publishStatuses`) — is the
 * caller's, run after every decision.
 */
export function decide(state: ServiceState, command: ServiceCommand, ctx: DecisionContext): DecideResult {
  const unknown = rejected('NOT_FOUND', `Service ${state.service} not found`);
  switch (command.type) {
    case 'ReportOfferEvaluation':
      return state.seq === 0 ? unknown : accepted(reportOfferEvaluation(state, command, ctx));
    case 'ApplyPlanCommand':
      return known(state) ? decidePlanCommand(state, command.command, ctx) : unknown;
    case 'ApplyPodCommand':
      return known(state) ? decidePodCommand(state, command.command, ctx) : unknown;
    case 'UninstallService':
      return known(state) ? decideUninstall(state, ctx) : unknown;
    case 'Tick':
      return accepted(NO_DECISION);
    default:
      return assertUnreachable(command);
  }
}
