import { makeEvent, subjectsFor, type MarshalEvent, type Recorded } from '@marshal/contracts';
import type { DataSource } from 'typeorm';
import { projectBatch } from '../projection/projector';
import { openMigratedDatabase, readStoredLog, type MigratedDatabase } from '../testing/read-model-fixtures';
import { AuditQueries } from './audit.queries';
import { ReadModelQueries, type PlanJson } from './read-model.queries';
import { TimeTravel, parsePointInTime } from './time-travel';

const subjects = subjectsFor('fixture');
const log = readStoredLog('v1-hello-world.log.jsonl');
const stepId = (log.find((r) => r.event.type === 'StepStatusChanged')?.event.data as { stepId: string }).stepId;
const configEvent = log.find((r) => r.event.type === 'ConfigurationAccepted') as Recorded<MarshalEvent>;

/** A command and what it caused: an operator restart whose chain crosses a correlation started elsewhere. */
function restartChain(from: number): Recorded<MarshalEvent>[] {
  const step = log.find((r) => r.event.type === 'StepStatusChanged')?.event;
  if (step?.type !== 'StepStatusChanged') throw new Error('no step transition in the fixture');
  const at = (i: number): string => new Date(Date.UTC(2026, 10, 22, 7, 0, i)).toISOString();
  const mk = (i: number, id: string, causationId: string, correlationId: string, actor: string, to: 'PENDING' | 'COMPLETE'): Recorded<MarshalEvent> => ({
    seq: from + i,
    subject: subjects.servicePlan('hello-world'),
    event: makeEvent('StepStatusChanged', step.aggregate, { ...step.data, from: to === 'PENDING' ? 'COMPLETE' : 'PENDING', to, reason: id }, { id, at: at(i), correlationId, causationId, actor }),
  });
  return [
    mk(0, 'restart-a', 'cmd-restart', 'cmd-restart', 'operator:alice', 'PENDING'),
    mk(1, 'restart-b', 'restart-a', 'cmd-restart', 'service:plan-manager', 'COMPLETE'),
    mk(2, 'restart-c', 'restart-b', 'elsewhere', 'service:plan-manager', 'PENDING'),
    mk(3, 'unrelated', 'cmd-other', 'cmd-other', 'operator:bob', 'COMPLETE'),
  ];
}

describe('audit log and time travel', () => {
  let db: MigratedDatabase;
  let ds: DataSource;
  let audit: AuditQueries;
  /** The live read of the deploy plan after each sequence, as the projector left it. */
  const liveAfter = new Map<number, PlanJson | undefined>();
  const extra = restartChain(log.length + 1);

  beforeAll(async () => {
    db = await openMigratedDatabase();
    ds = db.ds;
    const q = new ReadModelQueries(ds);
    for (const rec of [...log, ...extra]) {
      await projectBatch(ds, subjects, [rec]);
      liveAfter.set(rec.seq, await q.plan('hello-world', 'deploy'));
    }
    audit = new AuditQueries(ds);
  });
  afterAll(() => db?.close());

  const seqs = async (filter: Parameters<AuditQueries['events']>[0], page: Parameters<AuditQueries['events']>[1] = {}): Promise<number[]> =>
    (await audit.events(filter, page)).events.map((e) => e.seq);

  it.each<[string, Parameters<AuditQueries['events']>[0], number[]]>([
    ['service (its subjects, and ledger events naming it)', { service: ['hello-world'] }, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 21, 22, 23]],
    ['agent (ledger and task subjects)', { agent: ['agent-1'] }, [1, 8, 11, 14, 15, 18, 19]],
    ['type (any of several)', { type: ['AgentRegistered', 'AgentLost'] }, [1, 2, 18]],
    ['actor', { actor: ['admin:admin'] }, [3]],
    ['plan', { plan: ['recovery'] }, [5, 7]],
    ['step by name within a plan', { plan: ['deploy'], step: ['hello-0:[server]'] }, [9, 11, 12, 16, 20, 21, 22, 23]],
    ['step by id', { step: [stepId] }, [9, 11, 12, 16, 20, 21, 22, 23]],
    ['phase by name', { phase: ['hello'], type: ['StepStatusChanged'] }, [9, 12, 16, 20, 21, 22, 23]],
    ['task', { task: ['hello-0-server'] }, [11, 12, 14, 15, 16, 19]],
    ['pod: its steps, its launches and the statuses of its tasks', { pod: ['hello-0'], type: ['TaskStatusUpdated', 'TaskLaunched', 'ResourcesReserved'] }, [8, 11, 14, 15, 19]],
    ['correlation id', { correlationId: ['cmd-restart'] }, [20, 21]],
    ['causation id', { causationId: ['restart-b'] }, [22]],
    ['time range', { since: '2026-11-22T07:00:01Z', until: '2026-11-22T07:00:02Z' }, [21, 22]],
  ])('filters by %s', async (_, filter, expected) => {
    expect(await seqs(filter)).toEqual(expected);
  });

  it('pages by sequence cursor, and gives the last events on request', async () => {
    const first = await audit.events({}, { limit: 10 });
    expect(first.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect({ cursor: first.cursor, more: first.more }).toEqual({ cursor: 10, more: true });
    const rest = await audit.events({}, { after: first.cursor, limit: 100 });
    expect(rest.events.map((e) => e.seq)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect({ cursor: rest.cursor, more: rest.more }).toEqual({ cursor: 23, more: false });
    expect(await audit.events({}, { after: 23 })).toEqual({ events: [], cursor: 23, more: false });
    expect(await seqs({ service: ['hello-world'] }, { tail: 3 })).toEqual([21, 22, 23]);
  });

  it('shows every event at the current version of its type, with or without data', async () => {
    const lost = (await audit.events({ type: ['AgentLost'] })).events[0];
    expect(lost).toMatchObject({ type: 'AgentLost', version: 2, actor: 'service:coordinator', agentId: 'agent-1', service: null, data: { agentId: 'agent-1' } });
    // A row projected before the bump still reads as the current version.
    await ds.query(`UPDATE events SET version = 1, data = data - 'reason' WHERE seq = $1`, [lost.seq]);
    expect((await audit.events({ type: ['AgentLost'] })).events[0]).toEqual(lost);
    const bare = (await audit.events({ actor: ['admin:admin'] }, { data: false })).events[0];
    expect(bare).toEqual({
      seq: 3, id: configEvent.event.id, type: 'ConfigurationAccepted', version: 1, at: configEvent.event.at, service: 'hello-world', agentId: null,
      subject: 'fixture.evt.svc.hello-world.config', aggregate: 'service:hello-world', actor: 'admin:admin',
      correlationId: configEvent.event.correlationId, causationId: configEvent.event.causationId,
    });
  });

  it('walks the causal chain of a command across correlations, and the causes of an event', async () => {
    const byCommand = await audit.chain('cmd-restart', { data: false });
    expect(byCommand?.events.map((e) => [e.id, e.depth])).toEqual([
      ['restart-a', 0],
      ['restart-b', 1],
      ['restart-c', 2],
    ]);
    expect(byCommand?.causes).toEqual([]);
    const fromMiddle = await audit.chain('restart-b');
    expect(fromMiddle?.events.map((e) => e.id)).toEqual(['restart-b', 'restart-c']);
    expect(fromMiddle?.causes.map((e) => e.id)).toEqual(['restart-a']);
    expect(await audit.chain('no-such-id')).toBeUndefined();
    // The install's own chain in this v1 log stops where v1 producers started new correlations.
    const install = await audit.chain(configEvent.event.correlationId, { data: false });
    expect(install?.events.map((e) => e.type)).toEqual(['ConfigurationAccepted', 'PlanGenerated', 'PlanGenerated', 'PlanStatusChanged', 'PlanStatusChanged']);
  });

  it('shows a plan exactly as the projector had it at every point of the log, by sequence and by time', async () => {
    const travel = new TimeTravel(ds);
    for (const rec of [...log, ...extra]) {
      const bySeq = await travel.plan('hello-world', 'deploy', { seq: rec.seq });
      expect({ seq: rec.seq, plan: bySeq?.plan }).toEqual({ seq: rec.seq, plan: liveAfter.get(rec.seq) });
    }
    const t = extra[1].event.at;
    expect(await travel.plan('hello-world', 'deploy', parsePointInTime(t))).toEqual({ plan: liveAfter.get(extra[1].seq), seq: extra[1].seq });
    expect(await travel.plan('hello-world', 'deploy', parsePointInTime('2020-01-01T00:00:00Z'))).toBeUndefined();
    expect(() => parsePointInTime('yesterday')).toThrow(/at must be a log sequence or an ISO-8601 time/);
  });
});
