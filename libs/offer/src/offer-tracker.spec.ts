import { requirementName, type Candidate } from '@marshal/contracts';
import { describeOffer, OfferOutcomeTracker, summarizeEvaluation } from '.';
import { candidate, pod, World } from '../test/fixtures';

function track(tracker: OfferOutcomeTracker, w: World, c: Candidate, at: number): void {
  const result = w.evaluate(c);
  if (result.proposal) w.commit(c, result.proposal);
  tracker.record({
    service: c.service,
    plan: c.plan,
    stepId: c.stepId,
    step: c.step,
    requirement: requirementName(c),
    at,
    outcomes: result.outcomes,
    placed: !!result.proposal,
    summary: summarizeEvaluation(c, result, w.ledger.agents.size),
    describe: (agentId) => describeOffer(w.ledger, agentId),
  });
}

describe('offer outcome tracker (reference §5.6, §6.8)', () => {
  function uniqueWorld(): World {
    const w = new World().addPod(pod('hello', { count: 4, placement: 'hostname:UNIQUE', tasks: [{ name: 'server', cpus: 1, memory: 256 }] }));
    return w.register('a1', { zone: 'zone-a' }).register('a2', { zone: 'zone-b' }).register('a3', { cpus: 0.5, attributes: { rack: 'r1' } });
  }

  it('counts accepted and rejected outcomes, failures per stage or rule and per agent', () => {
    const w = uniqueWorld();
    const tracker = new OfferOutcomeTracker();
    [0, 1, 2].forEach((i) => track(tracker, w, candidate('hello', i), 1000 + i));
    const s = tracker.summary();
    // hello-0 on a1 (the first agent tried), hello-1 on a2 after a1 refused, hello-2 fits nowhere.
    expect(s.acceptedCount).toBe(2);
    expect(s.rejectedCount).toBe(4);
    expect(s.failureReasons).toEqual({ MaxPerHostnameRule: 3, ResourceEvaluationStage: 1 });
    expect(s.rejectedAgents).toEqual({ a1: 2, a2: 1, a3: 1 });
    expect(s.offers.filter((o) => o['pod-instance-name'] === 'hello-2:[server]').map((o) => [o.outcome, o.explanation.filter((l) => l.startsWith('FAIL'))])).toEqual([
      ['fail', ['FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-0 already on host a1']],
      ['fail', ['FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-1 already on host a2']],
      ['fail', ['FAIL(ResourceEvaluationStage): insufficient cpus: 0.5 offered, 1.0 required']],
    ]);
    expect(s.offers[0]).toMatchObject({ timestamp: 1000, 'pod-instance-name': 'hello-0:[server]', outcome: 'pass' });
  });

  it('keeps the last evaluation of each step that waits for an agent, until it is placed or no longer a candidate', () => {
    const w = uniqueWorld();
    const tracker = new OfferOutcomeTracker();
    [0, 1].forEach((i) => track(tracker, w, candidate('hello', i), 1000 + i));
    track(tracker, w, candidate('hello', 2), 2000);
    track(tracker, w, candidate('hello', 3), 2001);
    track(tracker, w, candidate('hello', 2), 3000);
    const pending = tracker.summary().pending;
    expect(pending.map((p) => [p.step, p.timestamp, p.offers.length])).toEqual([['hello-3:[server]', 2001, 3], ['hello-2:[server]', 3000, 3]]);
    expect(pending[1].summary).toBe(
      [
        'hello-2:[server]: none of 3 agents fits',
        '- a1 (a1): FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-0 already on host a1',
        '- a2 (a2): FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-1 already on host a2',
        '- a3 (a3): FAIL(ResourceEvaluationStage): insufficient cpus: 0.5 offered, 1.0 required',
      ].join('\n'),
    );
    tracker.retainPending(new Set([candidate('hello', 2).stepId]));
    expect(tracker.summary().pending.map((p) => p.step)).toEqual(['hello-2:[server]']);
    w.register('a4');
    track(tracker, w, candidate('hello', 2), 4000);
    expect(tracker.summary().pending).toEqual([]);
  });

  it('keeps only the last outcomes, and counts since it started', () => {
    const w = uniqueWorld();
    const tracker = new OfferOutcomeTracker(4);
    [0, 1, 2, 3].forEach((i) => track(tracker, w, candidate('hello', i), 1000 + i));
    const s = tracker.summary();
    expect(s.offers.map((o) => `${o['pod-instance-name']} ${o.outcome}`)).toEqual([
      'hello-2:[server] fail', 'hello-3:[server] fail', 'hello-3:[server] fail', 'hello-3:[server] fail',
    ]);
    expect([s.acceptedCount, s.rejectedCount]).toEqual([2, 7]);
  });

  it('answers for one service or for all of them', () => {
    const a = uniqueWorld();
    const tracker = new OfferOutcomeTracker();
    track(tracker, a, candidate('hello', 0), 1000);
    track(tracker, a, candidate('hello', 0, ['server'], { service: 'other' }), 1001);
    expect(tracker.summary('other').offers.map((o) => o.timestamp)).toEqual([1001]);
    expect(tracker.summary('nope')).toEqual({ acceptedCount: 0, rejectedCount: 0, failureReasons: {}, rejectedAgents: {}, offers: [], pending: [] });
    expect(tracker.summary().offers.map((o) => o.timestamp)).toEqual([1000, 1001]);
  });

  it('describes an offer: the agent, its fault domain and attributes, and what is free on it', () => {
    const w = uniqueWorld();
    w.place(candidate('hello', 0));
    expect(describeOffer(w.ledger, 'a1')).toBe(
      'agent a1; hostname a1; zone zone-a; free cpus 3.0, memory 3840.0 MB, disk 10000.0 MB, gpus 0.0; ports [10000-10100] (0 reserved)',
    );
    expect(describeOffer(w.ledger, 'a3')).toBe(
      'agent a3; hostname a3; attributes [rack:r1]; free cpus 0.5, memory 4096.0 MB, disk 10000.0 MB, gpus 0.0; ports [10000-10100] (0 reserved)',
    );
    w.lose('a3');
    expect(describeOffer(w.ledger, 'a3')).toMatch(/; LOST$/);
    expect(describeOffer(w.ledger, 'zz')).toBe('agent zz (not registered)');
  });
});
