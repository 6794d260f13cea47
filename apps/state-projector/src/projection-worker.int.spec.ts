import { makeEvent, subjectsFor, type MarshalEvent, type Recorded } from '@marshal/contracts';
import { ReadModelQueries, createDataSource, migrate } from '@marshal/persistence';
import { createTestDatabase, eventually, type TestDatabase } from '@marshal/testing';
import type { DataSource } from 'typeorm';
import { ProjectionWorker } from './projection-worker';

const subjects = subjectsFor('worker');
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as never;

function registered(seq: number, hostname: string): Recorded<MarshalEvent> {
  const agentId = `agent-${seq}`;
  const event = makeEvent(
    'AgentRegistered',
    `agent:${agentId}`,
    { agentId, hostname, attributes: {}, resources: { cpus: 1, memory: 1024, disk: 1024, gpus: 0, ports: [], mounts: [] } },
    { id: `e-${seq}`, at: '2026-12-07T10:00:00.000Z', correlationId: `c-${seq}`, causationId: null, actor: 'test' },
  );
  return { seq, subject: subjects.agent(agentId), event };
}

describe('the projection worker parks an event PostgreSQL refuses and keeps the read models moving', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url });
    await ds.initialize();
    await migrate(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('finds the one event of a failing batch, parks it after the bounded attempts, and projects the others', async () => {
    const parked: { seq: number; attempts: number; error: string }[] = [];
    const worker = new ProjectionWorker(ds, subjects, {
      batchSize: 50,
      log: quiet,
      retryDelayMs: 5,
      maxAttempts: 3,
      park: async (rec, e, attempts) => {
        parked.push({ seq: rec.seq, attempts, error: String(e) });
        return true;
      },
    });
    // A NUL is valid JSON and valid for the schema, but PostgreSQL's text type cannot hold it.
    const recs = [registered(1, 'host-1'), registered(2, 'host-2'), registered(3, 'bad\u0000host'), registered(4, 'host-4'), registered(5, 'host-5')];
    for (const r of recs) await worker.onEvent(r, recs.length - r.seq);
    await eventually(() => expect(worker.position).toBe(5), { timeoutMs: 20_000 });
    await worker.drain();

    expect(parked.map((p) => [p.seq, p.attempts])).toEqual([[3, 3]]);
    expect(parked[0].error).toMatch(/0x00|\\u0000|invalid byte sequence/);
    const hosts = (await new ReadModelQueries(ds).agents()).map((a) => a.hostname).sort();
    expect(hosts).toEqual(['host-1', 'host-2', 'host-4', 'host-5']);
    expect(worker.isBehind(3)).toBe(true);
    await worker.stop();
  });

  it('without a way to park (or when parking fails) it keeps retrying the batch, exactly once still holding', async () => {
    let calls = 0;
    const worker = new ProjectionWorker(ds, subjects, {
      batchSize: 50,
      log: quiet,
      retryDelayMs: 5,
      maxAttempts: 2,
      park: async () => {
        calls++;
        return false;
      },
    }, 5);
    await worker.onEvent(registered(6, 'nul\u0000again'), 0);
    await eventually(() => expect(calls).toBeGreaterThanOrEqual(3), { timeoutMs: 20_000 });
    expect(worker.position).toBe(5);
    await worker.stop();
  });
});
