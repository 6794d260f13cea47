import { makeEvent, serviceAggregate, type Candidate } from '@marshal/contracts';
import type { CoordinatorFold } from './coordinator.fold';
import { metaOf, type Append, type DecisionContext, type StepDecision } from './decision';
import { chainOf } from './lineage';

/**
 * Kill phase before a relaunch (reference §2.6): each task the candidate replaces is asked to stop, except tasks of
 * the step's own launches that plan-manager has not recorded yet (a coordinator stopped between launching and
 * reporting them: they are the step's launch, not what it replaces).
 */
export function killReplaced(fold: CoordinatorFold, candidate: Candidate, ctx: DecisionContext): Append[] {
  const keep = new Set([...fold.unreportedLaunches(candidate).values()].map((t) => t.taskId));
  const chain = chainOf(candidate);
  return candidate.tasksToKill
    .filter((t) => !keep.has(t.taskId))
    .map((t) => ({
      subject: ctx.subjects.serviceTask(candidate.service, t.agentId),
      event: makeEvent(
        'TaskKillRequested',
        serviceAggregate(candidate.service),
        { service: candidate.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, reason: `relaunch by ${candidate.plan}/${candidate.step}` },
        metaOf(ctx, chain),
      ),
      msgId: `${candidate.stepId}:kill:${t.taskId}`,
    }));
}

/**
 * Decommission `kill-<task name>` and uninstall `kill-task-<task id>` steps (reference §3.5): the latest task of the
 * service with that name or id is asked to stop if it is still live; either way the step is then done.
 */
export function killStep(fold: CoordinatorFold, candidate: Candidate, ctx: DecisionContext): StepDecision {
  const t = [...fold.tasks.values()].reverse().find((x) => x.service === candidate.service && (x.taskName === candidate.target || x.taskId === candidate.target));
  const note = t ? `killed ${t.taskName}` : `${candidate.target ?? 'task'} was not running`;
  if (!t || !fold.liveTasksOn(t.agentId).some((x) => x.taskId === t.taskId)) return { appends: [], report: { result: { kind: 'done', note } } };
  const event = makeEvent(
    'TaskKillRequested',
    serviceAggregate(candidate.service),
    { service: candidate.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, reason: `decommission by ${candidate.plan}/${candidate.step}` },
    metaOf(ctx, chainOf(candidate)),
  );
  return {
    appends: [{ subject: ctx.subjects.serviceTask(candidate.service, t.agentId), event, msgId: `${candidate.stepId}:kill:${t.taskId}` }],
    report: { result: { kind: 'done', note }, about: event.id },
  };
}
