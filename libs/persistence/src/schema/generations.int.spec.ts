import { makeEvent, subjectsFor, type MarshalEvent, type Recorded } from '@marshal/contracts';
import { createTestDatabase, type TestDatabase } from '@marshal/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { projectBatch, readCheckpoint } from '../projection/projector';
import { ReadModelQueries } from '../queries/read-model.queries';
import { dumpReadModels } from './dump';
import { readStoredLog } from '../testing/read-model-fixtures';
import { activateGeneration, buildDeferredIndexes, createGeneration, listGenerations, migrate } from './generations';

const subjects = subjectsFor('fixture');

/** More step transitions of the fixture's deploy step, as live traffic after the stored log. */
function moreTransitions(log: Recorded<MarshalEvent>[], count: number): Recorded<MarshalEvent>[] {
  const last = log[log.length - 1].seq;
  const step = log.find((r) => r.event.type === 'StepStatusChanged')?.event;
  if (step?.type !== 'StepStatusChanged') throw new Error('the fixture has no step transition');
  return Array.from({ length: count }, (_, i) => {
    const seq = last + i + 1;
    const to = i % 2 === 0 ? 'PENDING' : 'COMPLETE';
    const event = makeEvent('StepStatusChanged', step.aggregate, { ...step.data, from: to === 'PENDING' ? 'COMPLETE' : 'PENDING', to, reason: `transition ${i}` }, {
      id: `more-${i}`,
      at: new Date(Date.UTC(2026, 10, 22, 6, 0, i)).toISOString(),
      correlationId: 'more',
      causationId: null,
      actor: 'test',
    });
    return { seq, subject: subjects.servicePlan('hello-world'), event };
  });
}

describe('read-model generations: rebuild without downtime', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const log = readStoredLog('v1-hello-world.log.jsonl');

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('starts with one active generation, and migrating again changes nothing', async () => {
    expect(await migrate(ds)).toMatchObject({ id: 1, schema: 'read_models_1', state: 'active', requestedBy: null });
    expect(await migrate(ds)).toMatchObject({ id: 1, state: 'active' });
    expect((await listGenerations(ds)).map((g) => [g.id, g.state, g.checkpoint])).toEqual([[1, 'active', 0]]);
  });

  it('rebuilds from sequence 1 into a new generation while the old one serves, then switches: equal row for row', async () => {
    for (const rec of log) await projectBatch(ds, subjects, [rec]);
    const q = new ReadModelQueries(ds);
    const served = await q.plan('hello-world', 'deploy');
    expect(served?.status).toBe('COMPLETE');

    const { generation, created } = await createGeneration(ds, 'admin:alice');
    expect({ created, id: generation.id, state: generation.state, requestedBy: generation.requestedBy }).toEqual({ created: true, id: 2, state: 'building', requestedBy: 'admin:alice' });
    expect((await createGeneration(ds, 'admin:bob')).created).toBe(false);

    // The rebuild replays the log in big batches; the old generation keeps answering meanwhile.
    await projectBatch(ds, subjects, log.slice(0, 10), { generation: 2 });
    expect(await q.plan('hello-world', 'deploy')).toEqual(served);
    await projectBatch(ds, subjects, log.slice(10), { generation: 2 });

    // Live traffic moved the active generation on: the new one is behind and may not take over yet.
    const more = moreTransitions(log, 6);
    for (const rec of more) await projectBatch(ds, subjects, [rec]);
    // Secondary indexes were left out while bulk-loading; they must be built before the generation may serve.
    expect(await activateGeneration(ds, 2)).toEqual({ activated: false, reason: 'generation 2 still has indexes to build', final: false });
    expect(await buildDeferredIndexes(ds, 2)).toBeGreaterThan(5);
    expect(await buildDeferredIndexes(ds, 2)).toBe(0);
    const indexes = async (schema: string): Promise<string[]> =>
      (await ds.query(`SELECT replace(indexdef, $1, 'S') AS d FROM pg_indexes WHERE schemaname = $2 ORDER BY indexname`, [schema, schema])).map((r: { d: string }) => r.d);
    expect(await indexes('read_models_2')).toEqual(await indexes('read_models_1'));
    expect(await activateGeneration(ds, 2)).toEqual({ activated: false, reason: 'generation 2 is 6 events behind', final: false, behindBy: 6 });
    expect(await q.plan('hello-world', 'deploy')).toMatchObject({ status: 'COMPLETE' });

    await projectBatch(ds, subjects, more, { generation: 2 });
    const incremental = await dumpReadModels(ds, 'read_models_1');
    expect(incremental['events']).toHaveLength(25);
    expect(await dumpReadModels(ds, 'read_models_2')).toEqual(incremental);

    expect(await activateGeneration(ds, 2)).toMatchObject({ activated: true, generation: { id: 2, state: 'active' }, retired: { id: 1 } });
    expect((await listGenerations(ds)).map((g) => [g.id, g.state, g.checkpoint])).toEqual([[2, 'active', 25]]);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'read_models_1'`);
    expect(n).toBe(0);
    expect(await readCheckpoint(ds)).toBe(25);
    expect((await q.plan('hello-world', 'deploy'))?.phases[0].steps[0].message).toBe('transition 5');
  });

  it('keeps projecting into whatever generation is active, and refuses to write into a retired one', async () => {
    const next = moreTransitions(log, 8).slice(6);
    expect(await projectBatch(ds, subjects, next)).toBe(27);
    await expect(projectBatch(ds, subjects, next, { generation: 1 })).rejects.toThrow(/generation 1 does not exist|retired/);
    expect(await activateGeneration(ds, 2)).toEqual({ activated: false, reason: 'generation 2 is active, not building', final: true });
  });

  it('survives a restart: migrate keeps the active generation and its views', async () => {
    expect(await migrate(ds)).toMatchObject({ id: 2, state: 'active' });
    expect(await readCheckpoint(ds)).toBe(27);
  });
});
