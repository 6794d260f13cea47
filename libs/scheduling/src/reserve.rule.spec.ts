import { evaluate } from '@marshal/offer';
import type { Candidate, EventData } from '@marshal/contracts';
import { candidate, context, given, helloPod, subjects, type Given } from '../test/coordinator.fixtures';
import { reserveOnAgent, type Proposed } from './reserve.rule';

const pod = helloPod();
function proposed(g: Given, c: Candidate): Proposed {
  const { proposal } = evaluate({ candidate: c, pod, ledger: g.fold.ledger, servicePods: new Map([[pod.type, pod]]) });
  if (!proposal) throw new Error('the test agent should fit the pod');
  return { candidate: c, proposal, pod };
}

describe('committing the proposals for one agent', () => {
  it('one proposal: a ResourcesReserved on the agent’s subject, expecting the sequence the evaluation saw', () => {
    const g = given().agent('a1').agent('a2');
    const p = proposed(g, candidate());
    const d = reserveOnAgent('a1', [p], context());
    expect([d.append.subject, d.append.event.type, d.append.expectedLastSubjectSeq]).toEqual([subjects.agent('a1'), 'ResourcesReserved', p.proposal.agentSeq]);
    expect(d.append.event.data).toMatchObject({ agentId: 'a1', reservationId: 'id-1', service: 'hello-world', podType: 'hello', podIndex: 0 });
    expect(d.reservationIds).toEqual(['id-1']);
    expect([d.append.event.correlationId, d.append.event.causationId]).toEqual(['cfg-change', 'ev-released']);
  });

  it('several: one ResourcesReservedBatch, all or none; a pod holding a reservation keeps its id', () => {
    const g = given().agent('a1').reservation('a1', 'held', 'hello', 1);
    const first = proposed(g, candidate());
    const second = proposed(g, candidate({ stepId: 'step-2', podIndex: 1, step: 'hello-1:[server]' }));
    expect(second.proposal.existingReservationId).toBe('held');
    const d = reserveOnAgent('a1', [first, second], context());
    expect(d.append.event.type).toBe('ResourcesReservedBatch');
    expect((d.append.event.data as EventData<'ResourcesReservedBatch'>).reservations.map((r) => [r.reservationId, r.podIndex])).toEqual([
      ['id-1', 0],
      ['held', 1],
    ]);
    expect(d.reservationIds).toEqual(['id-1', 'held']);
  });
});
