import type { AgentOutcome } from '@marshal/contracts';
import { candidate, context, given } from '../test/coordinator.fixtures';
import { decideStep, noFitReport, resumedReports, triage } from './candidate.rules';

describe('triage of a cycle’s candidates', () => {
  it('places launches, resumes unreported launches, carries out the rest, waits for unfolded configurations; in order', () => {
    const g = given().config('cfg-1').launched('t1', { stepId: 'resumed' });
    const cs = [
      candidate({ stepId: 'kill', kind: 'kill', target: 'x' }),
      candidate({ stepId: 'unknown-config', configId: 'cfg-9' }),
      candidate({ stepId: 'other-pod', podType: 'world' }),
      candidate({ stepId: 'resumed' }),
      candidate({ stepId: 'place', kind: 'recovery' }),
      candidate({ stepId: 'erase', kind: 'erase' }),
    ];
    expect(triage(g.fold, cs).map((t) => [t.kind, t.candidate.stepId])).toEqual([
      ['carry-out', 'kill'],
      ['wait', 'unknown-config'],
      ['wait', 'other-pod'],
      ['resume', 'resumed'],
      ['place', 'place'],
      ['carry-out', 'erase'],
    ]);
    const resumed = triage(g.fold, [cs[3]])[0];
    expect(resumed.kind === 'resume' && resumed.tasks.map((t) => t.taskId)).toEqual(['t1']);
  });

  it('places a step only part of whose tasks were launched unreported', () => {
    const g = given().config('cfg-1').launched('t1', { stepId: 'step-1' });
    expect(triage(g.fold, [candidate({ tasks: ['server', 'side'] })]).map((t) => t.kind)).toEqual(['place']);
  });
});

describe('steps without a placement', () => {
  it.each(['erase', 'deregister', 'tls-cleanup'] as const)('%s needs no agent action: done, nothing appended', (kind) => {
    expect(decideStep(given().fold, candidate({ kind }), context())).toEqual({ appends: [], report: { result: { kind: 'done', note: `${kind} needs no agent action` } } });
  });

  it('kill and unreserve steps go to their rules', () => {
    const g = given().agent('a1').reservation('a1', 'r1').launched('t1');
    expect(decideStep(g.fold, candidate({ kind: 'kill', target: 'hello-0-server' }), context()).appends.map((a) => a.event.type)).toEqual(['TaskKillRequested']);
    expect(decideStep(g.fold, candidate({ kind: 'unreserve', target: 'r1' }), context()).appends.map((a) => a.event.type)).toEqual(['ResourcesReleased']);
  });
});

describe('reports of a launch a previous coordinator did not report', () => {
  it('a PENDING step is reported reserved on its tasks’ agent, then launched', () => {
    const g = given().agent('a1').launched('t1');
    const tasks = [...g.fold.tasks.values()];
    expect(resumedReports(g.fold, candidate({ status: 'PENDING' }), tasks)).toEqual([
      { result: { kind: 'reserved', agentId: 'a1', hostname: 'a1.example' } },
      { result: { kind: 'launched', tasks: [{ taskId: 't1', taskName: 'hello-0-server' }] } },
    ]);
    expect(resumedReports(g.fold, candidate({ status: 'PREPARED' }), tasks)).toEqual([{ result: { kind: 'launched', tasks: [{ taskId: 't1', taskName: 'hello-0-server' }] } }]);
  });
});

describe('a step that fits nowhere (reference §1.6.2)', () => {
  const outcomes: AgentOutcome[] = [
    { agentId: 'a1', hostname: 'h1', pass: false, reasons: ['PASS placement', 'FAIL cpus: 2 wanted, 1 free', 'FAIL memory'] },
    { agentId: 'a2', hostname: 'h2', pass: false, reasons: ['FAIL ports'] },
  ];

  it('is reported no-fit with the first failing agent’s reasons', () => {
    expect(noFitReport(candidate(), outcomes)).toEqual({ result: { kind: 'no-fit', outcome: 'no agent fits: h1: FAIL cpus: 2 wanted, 1 free; FAIL memory' } });
    expect(noFitReport(candidate(), [])).toEqual({ result: { kind: 'no-fit', outcome: 'no agent fits: no agent is registered' } });
  });

  it('is not reported again once PREPARED', () => {
    expect(noFitReport(candidate({ status: 'PREPARED' }), outcomes)).toBeUndefined();
  });
});
