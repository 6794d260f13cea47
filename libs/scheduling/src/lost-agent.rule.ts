import { agentAggregate, makeEvent, serviceAggregate } from '@marshal/contracts';
import type { CoordinatorFold } from './coordinator.fold';
import { metaOf, type Append, type DecisionContext } from './decision';

export interface Liveness {
  /** Last heartbeat of each agent, in ms since the epoch. */
  heartbeats: ReadonlyMap<string, number>;
  /** When this process started (ms since the epoch): an agent never heard from counts as seen then. */
  startedAt: number;
  /** An agent silent this long is lost. */
  timeoutMs: number;
}

/**
 * The lost-agent rule (reference §3.4): an agent not yet lost and silent for `timeoutMs` is reported `AgentLost`,
 * then each of its live tasks `TASK_LOST` (caused by the AgentLost), so recovery can act. Per agent, in that order.
 * A lost agent is not reported again: fold the appended events back (`CoordinatorFold.applyAppended`).
 */
export function detectLostAgents(fold: CoordinatorFold, liveness: Liveness, ctx: DecisionContext): Append[] {
  const now = Date.parse(ctx.now);
  const appends: Append[] = [];
  for (const agent of fold.ledger.agents.values()) {
    if (agent.lost) continue;
    const seen = liveness.heartbeats.get(agent.agentId) ?? liveness.startedAt;
    if (now - seen < liveness.timeoutMs) continue;
    const correlationId = ctx.newId();
    const lost = makeEvent(
      'AgentLost',
      agentAggregate(agent.agentId),
      { agentId: agent.agentId, lastSeen: new Date(seen).toISOString(), reason: `no heartbeat for ${liveness.timeoutMs} ms` },
      metaOf(ctx, { correlationId, causationId: null }),
    );
    appends.push({ subject: ctx.subjects.agent(agent.agentId), event: lost });
    for (const t of fold.liveTasksOn(agent.agentId)) {
      appends.push({
        subject: ctx.subjects.serviceTask(t.service, t.agentId),
        event: makeEvent(
          'TaskStatusUpdated',
          serviceAggregate(t.service),
          { service: t.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, state: 'TASK_LOST', message: `agent ${agent.hostname} stopped reporting` },
          metaOf(ctx, { correlationId, causationId: lost.id }),
        ),
      });
    }
  }
  return appends;
}
