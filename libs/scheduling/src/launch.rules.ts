import { makeEvent, serviceAggregate, type Candidate, type Proposal, type TaskInfo } from '@marshal/contracts';
import { DEFAULT_SERVICE_TLD, DEFAULT_VIP_TLD, buildTaskInfos, type BuildTaskInfosInput } from '@marshal/offer';
import { pausedTaskInfo } from '@marshal/plan';
import type { ConfigFact, CoordinatorFold } from './coordinator.fold';
import { metaOf, type Append, type DecisionContext } from './decision';
import { chainOf } from './lineage';

/** Where tasks reach the scheduler API (SCHEDULER_API_HOSTNAME / SCHEDULER_API_PORT, reference §4.11). */
export interface SchedulerApi {
  hostname: string;
  port: number;
}

/**
 * A task id, `<service>__<task name>__<uuid>` as the original's: the service name without leading or trailing
 * slashes, its inner slashes turned into dots (a folder path `/a/b` gives `a.b`).
 */
export function taskIdFor(service: string, taskName: string, newId: () => string): string {
  const sanitized = service.replace(/^\/+|\/+$/g, '').replace(/\//g, '.');
  return `${sanitized}__${taskName}__${newId()}`;
}

/** The scheduler settings of a launch (reference §4.11): SERVICE_TLD and VIP_TLD from the scheduler env, else the defaults. */
export function launchSettings(schedulerEnv: Record<string, string>, api: SchedulerApi): BuildTaskInfosInput['settings'] {
  return {
    serviceTld: schedulerEnv['SERVICE_TLD'] || DEFAULT_SERVICE_TLD,
    vipTld: schedulerEnv['VIP_TLD'] || DEFAULT_VIP_TLD,
    apiHostname: api.hostname,
    apiPort: api.port,
  };
}

export interface LaunchInput {
  candidate: Candidate;
  config: ConfigFact;
  proposal: Proposal;
  reservationId: string;
  /** The reservation event: what the launches are caused by. */
  cause: string;
  api: SchedulerApi;
}

export interface LaunchDecision {
  appends: Append[];
  /** Every task of the step, launched now or kept from an earlier unreported launch on the same agent. */
  tasks: { taskId: string; taskName: string }[];
  /** The last TaskLaunched decided: what the `launched` report is about. */
  lastEventId?: string;
}

/**
 * A `TaskLaunched` per task of the step, with the TaskInfo built from the proposal (`buildTaskInfos`); a task with a
 * PAUSED goal override gets the paused TaskInfo (reference §1.6.4). Tasks of the step launched on the same agent and
 * never reported (a previous coordinator stopped in the middle) are kept, not launched a second time.
 */
export function launchTasks(fold: CoordinatorFold, input: LaunchInput, ctx: DecisionContext): LaunchDecision {
  const { candidate, config, proposal, reservationId } = input;
  const agent = fold.ledger.agents.get(proposal.agentId);
  const pod = config.spec.pods.find((p) => p.type === candidate.podType);
  if (!pod) return { appends: [], tasks: [] };
  const built: TaskInfo[] = buildTaskInfos({
    spec: config.spec,
    configId: candidate.configId,
    candidate,
    pod,
    proposal,
    agent: {
      agentId: proposal.agentId,
      hostname: proposal.hostname,
      attributes: agent?.attributes ?? {},
      ...(agent?.zone ? { zone: agent.zone } : {}),
      ...(agent?.region ? { region: agent.region } : {}),
    },
    reservationId,
    newTaskId: (taskName) => taskIdFor(candidate.service, taskName, ctx.newId),
    settings: launchSettings(config.schedulerEnv, input.api),
  });
  const already = fold.unreportedLaunches(candidate);
  const subject = ctx.subjects.serviceTask(candidate.service, proposal.agentId);
  const chain = { correlationId: chainOf(candidate).correlationId, causationId: input.cause };
  const decision: LaunchDecision = { appends: [], tasks: [] };
  for (const info of built) {
    const earlier = already.get(info.taskName);
    if (earlier && earlier.agentId === proposal.agentId) {
      decision.tasks.push({ taskId: earlier.taskId, taskName: earlier.taskName });
      continue;
    }
    const task = candidate.paused?.includes(info.taskSpecName) ? pausedTaskInfo(info, config.schedulerEnv) : info;
    const event = makeEvent(
      'TaskLaunched',
      serviceAggregate(candidate.service),
      {
        service: candidate.service,
        agentId: proposal.agentId,
        hostname: proposal.hostname,
        reservationId,
        step: { plan: candidate.plan, phaseId: candidate.phaseId, stepId: candidate.stepId, step: candidate.step },
        task,
      },
      metaOf(ctx, chain),
    );
    decision.appends.push({ subject, event });
    decision.tasks.push({ taskId: task.taskId, taskName: task.taskName });
    decision.lastEventId = event.id;
  }
  return decision;
}
