import { isLaunchOver, isTaskDone, makeEvent, serviceAggregate, type MarshalEvent, type Recorded } from '@marshal/contracts';
import { DECOMMISSION_PLAN, RECOVERY_PLAN } from '../model/plan-names';
import { stepTaskNames } from '../model/requirement';
import { meta, type Decision, type DecisionContext } from './decision';
import { evolveService, type ServiceState, type TaskRecord } from './service-state';

type TaskFact = Decision['tasks'][number];

/**
 * Task instance names some step of the deploy and custom plans launches: the tasks the service should have (the
 * original's "launchable tasks"; recovery only relaunches these, §3.4 step 2, and decommission handles its own).
 */
export function launchableTaskNames(state: ServiceState): Set<string> {
  return new Set(
    state.plans
      .filter((p) => p.name !== RECOVERY_PLAN && p.name !== DECOMMISSION_PLAN)
      .flatMap((p) => p.phases.flatMap((ph) => ph.steps.flatMap(stepTaskNames))),
  );
}

function ended(t: TaskRecord): boolean {
  return t.lastState !== undefined && isLaunchOver(t.lastState);
}

/**
 * Stored tasks that no step of the current plans launches and that may still run (reference §3.0 steps 7–8: the
 * scheduler kills the stored tasks its new plans do not launch, e.g. a task a mustache conditional took out of the
 * deploy plan's steps). Not while uninstalling (the uninstall plan kills everything), not when a plan failed to
 * generate (its steps are unknown, so every task would look unneeded), not tasks being decommissioned (the
 * decommission plan kills them, §3.5), and not tasks already asked to die or already ended.
 */
export function unneededTasks(state: ServiceState): TaskRecord[] {
  if (state.uninstalling || state.plans.length === 0) return [];
  if (state.plans.some((p) => p.name !== RECOVERY_PLAN && p.errors.length > 0)) return [];
  const launchable = launchableTaskNames(state);
  return Object.values(state.tasks)
    .filter((t) => !launchable.has(t.taskName) && !t.killRequested && !ended(t) && state.overrides[t.taskName]?.target !== 'DECOMMISSIONED')
    .sort((a, b) => (a.taskName < b.taskName ? -1 : a.taskName > b.taskName ? 1 : 0));
}

function killFact(state: ServiceState, ctx: DecisionContext, t: { agentId: string; taskId: string; taskName: string }, reason: string): TaskFact {
  return {
    subject: ctx.subjects.serviceTask(state.service, t.agentId),
    event: makeEvent(
      'TaskKillRequested',
      serviceAggregate(state.service),
      { service: state.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, reason },
      meta(ctx),
    ) as MarshalEvent,
  };
}

/**
 * Adds to a plan regeneration the kills of the tasks its plans no longer launch: the plan events are folded into a
 * scratch state to see the new plans (and the decommission overrides they mark); kills go first, as every decision's
 * task facts do, so a crash before the plan events only repeats them.
 */
export function withUnneededKills(state: ServiceState, planEvents: MarshalEvent[], ctx: DecisionContext): Decision {
  const subject = ctx.subjects.servicePlan(state.service);
  const next = planEvents.reduce((s, event) => evolveService(s, { seq: s.seq, subject, event }, ctx.subjects), state);
  const configId = next.plansConfigId ?? 'the target configuration';
  const tasks = unneededTasks(next).map((t) => killFact(state, ctx, t, `no step of configuration ${configId} launches ${t.taskName}`));
  return { plan: planEvents, tasks };
}

/**
 * A launch no current step asked for (placed from plans that a new configuration replaced before the launch was
 * reported): killed at once, as the regeneration killed the stored tasks its plans do not launch.
 */
export function unneededLaunchKill(state: ServiceState, rec: Recorded<MarshalEvent>, ctx: DecisionContext): TaskFact[] {
  const e = rec.event;
  if (e.type !== 'TaskLaunched') return [];
  const t = state.tasks[e.data.task.taskName];
  if (!t || t.taskId !== e.data.task.taskId) return [];
  if (!unneededTasks(state).includes(t)) return [];
  return [killFact(state, ctx, t, `no step of configuration ${state.plansConfigId} launches ${t.taskName}`)];
}

/**
 * Zombie kill (reference §9.12 "Zombie kill"): a status saying a task id is alive that is not the service's stored
 * launch of that task (an unknown task name, or an older launch of it) gets that id killed; the stored task is left
 * alone. Statuses of ended processes ask for nothing.
 */
export function zombieKill(state: ServiceState, rec: Recorded<MarshalEvent>, ctx: DecisionContext): TaskFact[] {
  const e = rec.event;
  if (e.type !== 'TaskStatusUpdated') return [];
  const d = e.data;
  if (isTaskDone(d.state) || d.state === 'TASK_GONE_BY_OPERATOR' || d.state === 'TASK_UNKNOWN') return [];
  const stored = state.tasks[d.taskName];
  if (stored && stored.taskId === d.taskId) return [];
  return [killFact(state, ctx, d, `task id ${d.taskId} is not a stored task of ${state.service} (zombie)`)];
}
