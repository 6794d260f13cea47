import type { BatchEvaluationResult, Candidate, PodSpec, Proposal } from '@marshal/contracts';
import { evaluateBatch, freeResources, toReservation } from '.';
import { reserveTentatively, ledgerIndex } from './ledger';
import { candidate, pod, port, World } from '../test/fixtures';

const configs = (w: World): Record<string, PodSpec[]> => ({ 'config-1': [...w.pods.values()] });
const batch = (w: World, candidates: Candidate[], opts: { startAt?: number; maxOutcomes?: number; maxOutcomesWithProposal?: number } = {}) =>
  evaluateBatch({ candidates, configs: configs(w), ledger: w.ledger, ...opts });
const placedOn = (results: BatchEvaluationResult[]) => results.map((r) => r.proposal?.agentId ?? null);

/** Commits every proposal of a batch the way the coordinator does: one ResourcesReservedBatch per agent. */
function commitBatch(w: World, candidates: Candidate[], results: BatchEvaluationResult[]): void {
  const byAgent = new Map<string, { c: Candidate; p: Proposal }[]>();
  results.forEach((r, i) => {
    if (r.proposal) byAgent.set(r.proposal.agentId, [...(byAgent.get(r.proposal.agentId) ?? []), { c: candidates[i], p: r.proposal }]);
  });
  for (const [agentId, group] of byAgent) {
    w.emit('ResourcesReservedBatch', agentId, {
      agentId,
      reservations: group.map(({ c, p }) => ({
        reservationId: p.existingReservationId ?? `res-${c.stepId}`,
        service: c.service,
        podType: c.podType,
        podIndex: c.podIndex,
        ...toReservation(p, w.pods.get(c.podType) as PodSpec),
      })),
    });
  }
}

/**
 * A batch is the original's `PlanScheduler.resourceOffers(offers, steps)` (reference §2.6): candidates in order, each
 * with the agents earlier candidates of the batch did not consume. The §9.3 cases about which offers get used:
 */
describe('9.3 coordinator and plan scheduler: which agents a batch of candidates uses', () => {
  const world = (): World =>
    new World()
      .addPod(pod('hello', { count: 2, tasks: [{ name: 'server', cpus: 2, memory: 256 }] }))
      .addPod(pod('world', { tasks: [{ name: 'server', cpus: 2, memory: 256 }] }))
      .register('a1', { cpus: 2 })
      .register('a2', { cpus: 2 });
  it.each([
    ['9.3 one proceeding plan, sufficient offers → the recommendation uses exactly one agent', [candidate('hello', 0)], ['a1']],
    ['9.3 two plans over disjoint pods, two offers → both offers used', [candidate('hello', 0), candidate('world', 0)], ['a1', 'a2']],
    [
      '9.3 two plans whose steps target the same pod instance and tasks → only one offer used',
      [candidate('hello', 0), { ...candidate('hello', 0), plan: 'other', stepId: 'other-step' }],
      ['a1', null],
    ],
    ['9.3 a PENDING step whose evaluation yields nothing → no recommendation (the step becomes PREPARED)', [candidate('hello', 0), candidate('hello', 1), candidate('world', 0)], ['a1', 'a2', null]],
  ] as [string, Candidate[], (string | null)[]][])('%s', (_name, candidates, agents) => {
    expect(placedOn(batch(world(), candidates))).toEqual(agents);
  });
});

describe('batched evaluation: one batch never proposes the same resources twice', () => {
  it('counts each proposal of the batch for the candidates after it, and leaves the ledger as it was', () => {
    const w = new World().addPod(pod('hello', { count: 3, tasks: [{ name: 'server', cpus: 2, memory: 256 }] }));
    w.register('a1', { cpus: 4 });
    const seq = w.ledger.seq;
    const results = batch(w, [0, 1, 2].map((i) => candidate('hello', i)));
    expect(placedOn(results)).toEqual(['a1', 'a1', null]);
    expect(results[2].outcomes[0].reasons).toContain('FAIL(ResourceEvaluationStage): insufficient cpus: 0.0 offered, 2.0 required');
    expect(freeResources(w.ledger, 'a1')).toEqual({ cpus: 4, memory: 4096, disk: 10000, gpus: 0 });
    expect(w.ledger.seq).toBe(seq);
    expect(w.ledger.agents.get('a1')?.reservations.size).toBe(0);
  });

  it('counts proposals for placement: hostname:UNIQUE on three agents places three and explains the fourth', () => {
    const w = new World().addPod(pod('hello', { count: 4, placement: 'hostname:UNIQUE' }));
    w.register('a1').register('a2').register('a3');
    const results = batch(w, [0, 1, 2, 3].map((i) => candidate('hello', i)));
    expect(placedOn(results)).toEqual(['a1', 'a2', 'a3', null]);
    expect(results[3].outcomes.map((o) => o.reasons.filter((r) => r.startsWith('FAIL')))).toEqual([
      ['FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-0 already on host a1'],
      ['FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-1 already on host a2'],
      ['FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-2 already on host a3'],
    ]);
  });

  it('gives dynamic ports of pods on one agent different values', () => {
    const w = new World().addPod(pod('web', { count: 2, tasks: [{ name: 'server', cpus: 0.1, ports: [port('http', 0, { envKey: 'PORT_HTTP' })] }] }));
    w.register('a1', { ports: [[10000, 10100]] });
    const results = batch(w, [candidate('web', 0), candidate('web', 1)]);
    expect(results.map((r) => r.proposal?.ports.map((p) => p.port))).toEqual([[10000], [10001]]);
  });

  it('proposals on one agent share its sequence, and committed together they hold what was proposed', () => {
    const w = new World().addPod(pod('hello', { count: 3, placement: 'hostname:MAX_PER:2', tasks: [{ name: 'server', cpus: 1, memory: 256 }] }));
    w.register('a1').register('a2');
    const candidates = [0, 1, 2].map((i) => candidate('hello', i));
    const results = batch(w, candidates);
    expect(results.map((r) => [r.proposal?.agentId, r.proposal?.agentSeq])).toEqual([['a1', 1], ['a1', 1], ['a2', 2]]);
    commitBatch(w, candidates, results);
    expect(freeResources(w.ledger, 'a1')).toEqual({ cpus: 2, memory: 3584, disk: 10000, gpus: 0 });
    expect(freeResources(w.ledger, 'a2')).toEqual({ cpus: 3, memory: 3840, disk: 10000, gpus: 0 });
    // The committed reservations count for placement like single commits: a fourth instance goes to a2.
    expect(batch(w, [candidate('hello', 3)])[0].proposal?.agentId).toBe('a2');
  });

  it('defers a second step of a pod instance the batch already placed, and evaluates the rest', () => {
    const w = new World().addPod(pod('hello', { tasks: [{ name: 'a', cpus: 1 }, { name: 'b', cpus: 1 }] }));
    w.register('a1');
    const results = batch(w, [candidate('hello', 0, ['a']), candidate('hello', 0, ['b'])]);
    expect(results[0].proposal?.agentId).toBe('a1');
    expect(results[1]).toEqual({ stepId: 'step-hello-0', proposal: null, outcomes: [], deferred: true });
  });

  it('answers a candidate it cannot evaluate with an error and goes on with the others', () => {
    const w = new World().addPod(pod('hello'));
    w.register('a1');
    const results = batch(w, [candidate('nope', 0), candidate('hello', 0, ['bogus']), candidate('hello', 1)]);
    expect(results[0].error).toBe("configuration config-1 of hello-world has no pod type 'nope'");
    expect(results[1].error).toMatch(/launches tasks \[bogus\] that pod 'hello' does not have/);
    expect(results[2].proposal?.agentId).toBe('a1');
  });

  it('starts the search at the given agent, wrapping round, so concurrent batches look at different agents first', () => {
    const w = new World().addPod(pod('hello', { count: 4 }));
    w.register('a1').register('a2', { cpus: 0.5 }).register('a3');
    expect(placedOn(batch(w, [candidate('hello', 0)], { startAt: 1 }))).toEqual(['a3']);
    expect(placedOn(batch(w, [candidate('hello', 0)], { startAt: 2 }))).toEqual(['a3']);
    expect(placedOn(batch(w, [candidate('hello', 0)], { startAt: 4 }))).toEqual(['a3']);
    expect(placedOn(batch(w, [candidate('hello', 0)], { startAt: 3 }))).toEqual(['a1']);
  });

  it('explains placed candidates by the winner only, or not at all, as asked', () => {
    const w = new World().addPod(pod('hello', { count: 2 }));
    w.register('a1', { cpus: 0.5 }).register('a2');
    const [one] = batch(w, [candidate('hello', 0)]);
    expect(one.outcomes.map((o) => [o.agentId, o.pass])).toEqual([['a2', true]]);
    const [none] = batch(w, [candidate('hello', 0)], { maxOutcomesWithProposal: 0 });
    expect(none.proposal?.agentId).toBe('a2');
    expect(none.outcomes).toEqual([]);
    const [more] = batch(w, [candidate('hello', 0)], { maxOutcomesWithProposal: 2 });
    expect(more.outcomes.map((o) => [o.agentId, o.pass])).toEqual([['a2', true], ['a1', false]]);
  });

  it('relaunches in place inside a batch and restores the held reservation afterwards', () => {
    const w = new World().addPod(pod('hello', { count: 2, tasks: [{ name: 'server', cpus: 1, memory: 256 }] }));
    w.register('a1', { cpus: 2 });
    const held = w.place(candidate('hello', 0)).reservationId;
    const results = batch(w, [candidate('hello', 0), candidate('hello', 1)]);
    expect(results.map((r) => [r.proposal?.agentId, r.proposal?.existingReservationId])).toEqual([['a1', held], ['a1', undefined]]);
    expect(w.ledger.agents.get('a1')?.reservations.get(held as string)?.resources.cpus).toBe(1);
    expect(freeResources(w.ledger, 'a1')?.cpus).toBe(1);
  });
});

describe('tentative reservations', () => {
  it('undo restores a replaced reservation: its resources, its placement counts, and that it is the pod\'s own', () => {
    const w = new World().addPod(pod('hello', { count: 2, placement: 'hostname:UNIQUE' }));
    w.register('a1', { cpus: 4 }).register('a2');
    const id = w.place(candidate('hello', 0)).reservationId as string;
    const undo = reserveTentatively(w.ledger, 'a1', {
      reservationId: id, service: 'hello-world', podType: 'hello', podIndex: 0, resources: { cpus: 3, memory: 0, disk: 0, gpus: 0 }, ports: [], volumes: [],
    });
    expect(freeResources(w.ledger, 'a1')?.cpus).toBe(1);
    undo();
    expect(freeResources(w.ledger, 'a1')).toEqual({ cpus: 3, memory: 3840, disk: 10000, gpus: 0 });
    expect(ledgerIndex(w.ledger).reservations.size).toBe(1);
    expect(w.evaluate(candidate('hello', 1)).proposal?.agentId).toBe('a2');
    expect(w.evaluate(candidate('hello', 0)).proposal?.existingReservationId).toBe(id);
  });
});
