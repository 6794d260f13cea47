import { agentAggregate, makeEvent, type BatchedReservation, type Candidate, type MarshalEvent, type PodSpec, type Proposal } from '@marshal/contracts';
import { toReservation } from '@marshal/offer';
import type { Append, DecisionContext } from './decision';
import { sharedChainOf } from './lineage';

/** A proposal of an evaluation, for the pod it places. */
export interface Proposed {
  candidate: Candidate;
  proposal: Proposal;
  pod: PodSpec;
}

export interface ReservationDecision {
  /** Guarded by the agent sequence the evaluation saw: it commits all of the proposals, or none. */
  append: Append & { expectedLastSubjectSeq: number };
  /** The reservation id of each proposal, in order: the one it already holds, else a new one. */
  reservationIds: string[];
}

/**
 * Every proposal of a batch for one agent, as one append to that agent's subject (DESIGN.md "Flow of one deployment",
 * step 4): `ResourcesReserved`, or `ResourcesReservedBatch` for several, expecting the agent sequence the evaluation
 * saw, so that a reservation never lands on a ledger it was not evaluated against (optimistic concurrency).
 */
export function reserveOnAgent(agentId: string, group: readonly Proposed[], ctx: DecisionContext): ReservationDecision {
  const reservations: BatchedReservation[] = group.map(({ candidate: c, proposal: p, pod }) => ({
    reservationId: p.existingReservationId ?? ctx.newId(),
    service: c.service,
    podType: c.podType,
    podIndex: c.podIndex,
    ...toReservation(p, pod),
  }));
  const chain = sharedChainOf(
    group.map((g) => g.candidate),
    ctx.newId,
  );
  const meta = { id: ctx.newId(), at: ctx.now, ...chain, actor: ctx.actor };
  const event: MarshalEvent =
    reservations.length === 1
      ? makeEvent('ResourcesReserved', agentAggregate(agentId), { agentId, ...reservations[0] }, meta)
      : makeEvent('ResourcesReservedBatch', agentAggregate(agentId), { agentId, reservations }, meta);
  return {
    append: { subject: ctx.subjects.agent(agentId), event, expectedLastSubjectSeq: group[0].proposal.agentSeq },
    reservationIds: reservations.map((r) => r.reservationId),
  };
}
