import { agentAggregate, makeEvent, podInstanceName, type Candidate } from '@marshal/contracts';
import type { CoordinatorFold } from './coordinator.fold';
import { metaOf, type Append, type DecisionContext, type StepDecision } from './decision';
import { chainOf } from './lineage';

/**
 * Decommission/uninstall `unreserve-<reservation id>` steps (reference §3.5): the named reservation is given back on
 * every agent that holds it; then the step is done, its report about the last release.
 */
export function unreserveStep(fold: CoordinatorFold, candidate: Candidate, ctx: DecisionContext): StepDecision {
  const chain = chainOf(candidate);
  const appends: Append[] = [];
  for (const agent of fold.ledger.agents.values()) {
    const res = candidate.target ? agent.reservations.get(candidate.target) : undefined;
    if (!res) continue;
    appends.push({
      subject: ctx.subjects.agent(agent.agentId),
      event: makeEvent(
        'ResourcesReleased',
        agentAggregate(agent.agentId),
        { agentId: agent.agentId, reservationId: res.reservationId, service: candidate.service, reason: `${candidate.plan}/${candidate.step}` },
        metaOf(ctx, chain),
      ),
      msgId: `release:${res.reservationId}`,
    });
  }
  const about = appends.at(-1)?.event.id;
  return { appends, report: { result: { kind: 'done', note: `released ${candidate.target ?? ''}` }, ...(about ? { about } : {}) } };
}

/**
 * A pod instance replaced elsewhere (PERMANENT recovery, reference §3.4) gives back every other reservation it holds:
 * all of its reservations but the one it now runs on (`reservationId` on `agentId`). Caused by that reservation.
 */
export function releaseMovedReservation(
  fold: CoordinatorFold,
  candidate: Candidate,
  placed: { agentId: string; reservationId: string; cause: string },
  ctx: DecisionContext,
): Append[] {
  const appends: Append[] = [];
  const chain = { correlationId: chainOf(candidate).correlationId, causationId: placed.cause };
  for (const agent of fold.ledger.agents.values()) {
    for (const res of agent.reservations.values()) {
      if (res.service !== candidate.service || res.podType !== candidate.podType || res.podIndex !== candidate.podIndex) continue;
      if (res.reservationId === placed.reservationId && agent.agentId === placed.agentId) continue;
      appends.push({
        subject: ctx.subjects.agent(agent.agentId),
        event: makeEvent(
          'ResourcesReleased',
          agentAggregate(agent.agentId),
          {
            agentId: agent.agentId,
            reservationId: res.reservationId,
            service: candidate.service,
            reason: `${podInstanceName(candidate.podType, candidate.podIndex)} replaced on ${placed.agentId}`,
          },
          metaOf(ctx, chain),
        ),
        msgId: `release:${res.reservationId}`,
      });
    }
  }
  return appends;
}
