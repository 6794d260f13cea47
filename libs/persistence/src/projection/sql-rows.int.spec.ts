import { makeEvent, subjectsFor, type EventData, type MarshalEvent, type Recorded } from '@marshal/contracts';
import type { DataSource } from 'typeorm';
import { openMigratedDatabase, type MigratedDatabase } from '../testing/read-model-fixtures';
import { createGeneration } from '../schema/generations';
import { dumpReadModels } from '../schema/dump';
import { PhaseRow } from '../entities/read-models';
import { projectBatch } from './projector';
import { RowChanges } from './row-changes';
import { RowState } from './row-state';
import { loadFor, writeChanges } from './sql-rows';

const subjects = subjectsFor('rows');
/** Text that COPY's format must escape, and characters array literals must quote. */
const AWKWARD = 'tab\there, new\nline, cr\r, back\\slash, "quotes", {braces}, comma, NULL, \\N, ünï, 😀';

function accepted(i: number, configId: string): Recorded<MarshalEvent> {
  const data = {
    service: `svc-${i % 3}`, configId, previousConfigId: null, spec: { name: AWKWARD } as unknown as EventData<'ConfigurationAccepted'>['spec'],
    options: { note: AWKWARD, n: i }, package: { name: 'p', version: '1', files: { 'svc.yml': AWKWARD } }, schedulerEnv: { K: AWKWARD },
    warnings: [AWKWARD], diff: AWKWARD, changedPods: [],
  };
  const event = makeEvent('ConfigurationAccepted', `service:svc-${i % 3}`, data, {
    id: `e-${i}`, at: new Date(Date.UTC(2026, 10, 22, 0, 0, 0, i)).toISOString(), correlationId: AWKWARD, causationId: i % 2 ? null : AWKWARD, actor: `admin:${AWKWARD}`,
  });
  return { seq: i + 1, subject: subjects.serviceConfig(`svc-${i % 3}`), event };
}

describe('set-wise writes', () => {
  let db: MigratedDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await openMigratedDatabase();
    ds = db.ds;
  });
  afterAll(() => db?.close());

  it('bulk-loads a large batch with COPY and stores exactly what row-by-row inserts store, awkward text included', async () => {
    const log = Array.from({ length: 150 }, (_, i) => accepted(i, `cfg-${i}`));
    expect(await projectBatch(ds, subjects, log)).toBe(150);
    const { generation } = await createGeneration(ds, 'test');
    for (const rec of log) await projectBatch(ds, subjects, [rec], { generation: generation.id });
    const bulk = await dumpReadModels(ds, 'read_models_1');
    expect(bulk['events']).toHaveLength(150);
    expect(bulk).toEqual(await dumpReadModels(ds, generation.schema));
    const [row] = await ds.query(`SELECT actor, refs, data->'options'->>'note' AS note FROM read_models_1.events WHERE seq = 1`);
    expect(row).toEqual({ actor: `admin:${AWKWARD}`, refs: expect.arrayContaining([`actor:admin:${AWKWARD}`, 'service:svc-0']), note: AWKWARD });
  });

  it('loads the scope of within() from the database before deriving changes from it', async () => {
    await ds.query(`INSERT INTO read_models_1.phases (id, service, plan, position, name, strategy, status) VALUES
      ('p0', 'svc', 'recovery', 0, 'a', 'serial', 'COMPLETE'), ('p4', 'svc', 'recovery', 4, 'b', 'serial', 'COMPLETE'), ('x9', 'svc', 'deploy', 9, 'c', 'serial', 'COMPLETE')`);
    const changes = new RowChanges();
    changes.within(PhaseRow, { service: 'svc', plan: 'recovery' }, (phases, out) => {
      out.put(PhaseRow, { id: 'p-new', service: 'svc', plan: 'recovery', position: Math.max(...phases.map((p) => p.position)) + 1, name: 'n', strategy: 'serial', status: 'PENDING', startedAt: null, completedAt: null });
    });
    await ds.transaction(async (m) => {
      const state = new RowState();
      await loadFor(m, 'read_models_1', state, changes.ops);
      for (const op of changes.ops) state.apply(op);
      await writeChanges(m, 'read_models_1', state);
    });
    expect(await ds.query(`SELECT position FROM read_models_1.phases WHERE id = 'p-new'`)).toEqual([{ position: 5 }]);
  });

  it('falls back to skipping rows already stored when a bulk append meets one', async () => {
    // Configuration cfg-5 is stored already; a second event naming it (a duplicate in the log) must not replace it.
    const again = Array.from({ length: 100 }, (_, i) => ({ ...accepted(i, i === 0 ? 'cfg-5' : `cfg-new-${i}`), seq: 200 + i }));
    expect(await projectBatch(ds, subjects, again)).toBe(299);
    const rows: { id: string; seq: string }[] = await ds.query(`SELECT id, seq FROM read_models_1.configurations WHERE id IN ('cfg-5', 'cfg-new-1')`);
    expect(rows.map((r) => [r.id, Number(r.seq)]).sort()).toEqual([['cfg-5', 6], ['cfg-new-1', 201]]);
  });
});
