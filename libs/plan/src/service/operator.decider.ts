import { makeEvent, podInstanceName, serviceAggregate, type MarshalEvent, type PlanAction, type PlanModel, type PodAction } from '@marshal/contracts';
import { applyPlanCommand, type PlanCommandOutcome } from '../model/plan-commands';
import { NO_DECISION, meta, planContext, planOnly, serviceEvent, type Decision, type DecisionContext } from './decision';
import { ownInterrupted } from '../model/strategy';
import type { ServiceState, TaskRecord } from './service-state';
import { uninstallEvents } from './reconcile';

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
      if (was.status !== step.status || !sameJson(was.launched, step.launched) || was.prepared !== step.prepared || !sameJson(was.errors, step.errors)) {
        out.push(
          serviceEvent(state, ctx, 'StepStatusChanged', {
            ...at,
            from: was.status,
            to: step.status,
            reason,
            launched: step.launched,
            prepared: step.prepared,
            errors: step.errors,
          }),
        );
      }
    });
  });
  return out;
}

export interface PlanCommand {
  plan: string;
  action: PlanAction;
  phase?: string;
  step?: string;
  parameters?: Record<string, string>;
}

/**
 * An operator command on a plan (reference §6.2): the original's outcome, and when it is OK the events describing
 * exactly what changed — none when nothing did (e.g. `continue` on a plan that only waits for a canary phase).
 */
export function decidePlanCommand(state: ServiceState, cmd: PlanCommand, ctx: DecisionContext): { decision: Decision; outcome: PlanCommandOutcome } {
  const before = state.plans.find((p) => p.name === cmd.plan);
  const result = applyPlanCommand(before, cmd, planContext(state, ctx.now));
  if (result.outcome.code !== 'OK' || !before) return { decision: NO_DECISION, outcome: result.outcome };
  const what = [cmd.phase && `phase ${cmd.phase}`, cmd.step && `step ${cmd.step}`].filter(Boolean).join(', ');
  const events = planChangeEvents(state, ctx, before, result.plan as PlanModel, `${cmd.action}${what ? ` (${what})` : ''} by ${ctx.actor}`);
  const delayed = result.clearBackoff.filter((t) => state.backoff[t]);
  if (delayed.length) events.push(serviceEvent(state, ctx, 'TaskDelaysCleared', { service: state.service, tasks: delayed, reason: `${cmd.action} by ${ctx.actor}` }));
  return { decision: planOnly(events), outcome: result.outcome };
}

export interface PodCommand {
  pod: string;
  action: PodAction;
  /** pause/resume only: short (`server`) or full (`hello-0-server`) task names; absent or empty: every task. */
  tasks?: string[];
}

export interface PodCommandOutcome {
  code: 'OK' | 'NOT_FOUND';
  message: string;
  pod: string;
  tasks: string[];
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
export function decidePodCommand(state: ServiceState, cmd: PodCommand, ctx: DecisionContext): { decision: Decision; outcome: PodCommandOutcome } {
  const notFound = { decision: NO_DECISION, outcome: { code: 'NOT_FOUND' as const, message: `Pod ${cmd.pod} not found`, pod: cmd.pod, tasks: [] } };
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
  return {
    decision: { plan, tasks: selected.map((t) => kill(state, ctx, t, `pod ${cmd.action} by ${ctx.actor}`)) },
    outcome: { code: 'OK', message: `${cmd.action} ${cmd.pod}`, pod: cmd.pod, tasks: names },
  };
}

/**
 * Uninstall (reference §3.6): the plans are replaced by the uninstall plan named `deploy`; once it completes,
 * `reconcileService` removes the service. A second request changes nothing.
 */
export function decideUninstall(state: ServiceState, ctx: DecisionContext): { decision: Decision; outcome: { code: 'OK' | 'NOT_FOUND'; message: string } } {
  if (state.uninstalling) return { decision: NO_DECISION, outcome: { code: 'OK', message: `${state.service} is being uninstalled` } };
  if (!state.targetConfigId) return { decision: NO_DECISION, outcome: { code: 'NOT_FOUND', message: `Service ${state.service} not found` } };
  return { decision: planOnly(uninstallEvents(state, ctx)), outcome: { code: 'OK', message: `uninstalling ${state.service}` } };
}
