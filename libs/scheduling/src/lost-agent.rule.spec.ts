import { bySubject, context, given, recorded, SERVICE, subjects } from '../test/coordinator.fixtures';
import { detectLostAgents, type Liveness } from './lost-agent.rule';

const ms = (iso: string): number => Date.parse(iso);
const NOW = '2026-12-07T12:00:00.000Z';
const liveness = (heartbeats: Record<string, string>, startedAt = '2026-12-07T11:00:00.000Z'): Liveness => ({
  heartbeats: new Map(Object.entries(heartbeats).map(([id, at]) => [id, ms(at)])),
  startedAt: ms(startedAt),
  timeoutMs: 15_000,
});
const taskLost = (taskId: string, taskName: string, hostname = 'a1.example') => [
  subjects.serviceTask(SERVICE, 'a1'),
  'TaskStatusUpdated',
  { service: SERVICE, agentId: 'a1', taskId, taskName, state: 'TASK_LOST', message: `agent ${hostname} stopped reporting` },
];

describe('lost agents (reference §3.4)', () => {
  const world = () =>
    given()
      .agent('a1')
      .agent('a2')
      .launched('t1')
      .status('t1', 'TASK_RUNNING')
      .launched('t2', { task: 'side' })
      .status('t2', 'TASK_FINISHED', 'a1', 'hello-0-side')
      .launched('t3', { agentId: 'a2' });

  it('an agent silent past the timeout yields AgentLost, then TASK_LOST for each live task, caused by it', () => {
    const appends = detectLostAgents(world().fold, liveness({ a1: '2026-12-07T11:59:40.000Z', a2: '2026-12-07T11:59:59.000Z' }), context(NOW));
    expect(bySubject(appends)).toEqual([
      [subjects.agent('a1'), 'AgentLost', { agentId: 'a1', lastSeen: '2026-12-07T11:59:40.000Z', reason: 'no heartbeat for 15000 ms' }],
      taskLost('t1', 'hello-0-server'),
    ]);
    const [lost, task] = appends.map((a) => a.event);
    expect([lost.causationId, task.correlationId, task.causationId]).toEqual([null, lost.correlationId, lost.id]);
    expect(appends.every((a) => a.event.at === NOW && a.msgId === undefined)).toBe(true);
  });

  it('an agent never heard from counts as seen when the coordinator started', () => {
    const g = given().agent('a1');
    expect(detectLostAgents(g.fold, liveness({}, '2026-12-07T11:59:50.000Z'), context(NOW))).toEqual([]);
    expect(bySubject(detectLostAgents(g.fold, liveness({}, '2026-12-07T11:59:45.000Z'), context(NOW)))).toEqual([
      [subjects.agent('a1'), 'AgentLost', { agentId: 'a1', lastSeen: '2026-12-07T11:59:45.000Z', reason: 'no heartbeat for 15000 ms' }],
    ]);
  });

  it('a lost agent is not reported twice: once its events are folded back, the next check decides nothing', () => {
    const g = world();
    const silent = liveness({ a1: '2026-12-07T11:00:00.000Z', a2: '2026-12-07T11:59:59.000Z' });
    const first = detectLostAgents(g.fold, silent, context(NOW));
    expect(first).toHaveLength(2);
    const position = [g.fold.seq, g.fold.serviceSeq, g.fold.ledger.seq];
    g.fold.applyAppended(recorded(first));
    expect(detectLostAgents(g.fold, silent, context('2026-12-07T12:00:01.000Z'))).toEqual([]);
    expect(g.fold.liveTasksOn('a1')).toEqual([]);
    // Folded early, not in order: waiting for a position of the log must still wait for the log.
    expect([g.fold.seq, g.fold.serviceSeq, g.fold.ledger.seq]).toEqual(position);
  });

  it('an agent the log holds lost is not reported', () => {
    const g = given().agent('a1').event('AgentLost', { agentId: 'a1', lastSeen: NOW, reason: 'earlier' }, subjects.agent('a1'), 'agent:a1');
    expect(detectLostAgents(g.fold, liveness({}), context(NOW))).toEqual([]);
  });
});
