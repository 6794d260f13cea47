import type { DataSource, EntityManager } from 'typeorm';
import type { EventOf, EventType, MarshalEvent, Recorded, Subjects } from '@marshal/contracts';
import { EventRow } from '../entities/read-models';
import { DEFAULT_PROJECTION, lockGeneration } from '../schema/generations';
import { ident } from '../schema/tables';
import { auditRow } from './audit';
import { PROJECTIONS, SQL_PROJECTIONS, type Projection, type SqlProjection } from './projections';
import { RowChanges } from './row-changes';
import { RowState } from './row-state';
import { loadFor, prepareAppends, writeChanges } from './sql-rows';

export { DEFAULT_PROJECTION };

/** The checkpoint of the active generation: the last stream sequence applied (0 = none). */
export async function readCheckpoint(ds: DataSource | EntityManager, name = DEFAULT_PROJECTION): Promise<number> {
  const rows: { seq: string }[] = await ds.query(`SELECT seq FROM projector_checkpoints WHERE name = $1`, [name]);
  return rows.length ? Number(rows[0].seq) : 0;
}

export interface ProjectOptions {
  /** Generation to write into (a rebuild); default: the active one. */
  generation?: number;
  /** Checkpoint row; default `read-models`. */
  name?: string;
}

/** The row changes of one event: its audit row, then what its projection says. */
function changesOf(auditWith: Subjects | undefined, rec: Recorded<MarshalEvent>, rows: RowChanges): void {
  if (auditWith) rows.insert(EventRow, auditRow(auditWith, rec));
  const project = PROJECTIONS[rec.event.type] as Projection<EventType> | undefined;
  if (project) project(rec as Recorded<EventOf<EventType>>, rows);
}

async function flush(m: EntityManager, schema: string, rows: RowChanges): Promise<void> {
  if (rows.ops.length === 0) return;
  const state = new RowState();
  await loadFor(m, schema, state, rows.ops);
  for (const op of rows.ops) state.apply(op);
  await writeChanges(m, schema, state);
}

/**
 * A batch's row changes computed ahead of its transaction (pure work), so the projector can prepare the next batch
 * while the previous one is being written.
 */
export interface PreparedBatch {
  recs: Recorded<MarshalEvent>[];
  changes: RowChanges;
}

export function prepareBatch(subjects: Subjects, recs: Recorded<MarshalEvent>[]): PreparedBatch {
  const changes = new RowChanges();
  for (const rec of recs) changesOf(subjects, rec, changes);
  prepareAppends(changes.ops);
  return { recs, changes };
}

const isPrepared = (b: Recorded<MarshalEvent>[] | PreparedBatch): b is PreparedBatch => !Array.isArray(b);

/**
 * Applies a batch of events to a generation of the read models and moves its checkpoint in the same transaction,
 * skipping events at or below the checkpoint — so a redelivered event is never applied twice and a crash loses
 * nothing. The batch's row changes are folded in memory and written set-wise (one statement per table and kind, COPY
 * for large appends). Takes the events, or the same events prepared with `prepareBatch`. Returns the generation's
 * checkpoint after the batch.
 */
export async function projectBatch(
  ds: DataSource,
  subjects: Subjects,
  batch: Recorded<MarshalEvent>[] | PreparedBatch,
  opts: ProjectOptions = {},
): Promise<number> {
  const name = opts.name ?? DEFAULT_PROJECTION;
  const recs = isPrepared(batch) ? batch.recs : batch;
  return ds.transaction(async (m) => {
    const generation = await lockGeneration(m, opts.generation);
    const checkpoints = `${ident(generation.schema)}.projector_checkpoints`;
    let rows: { seq: string }[] = await m.query(`SELECT seq FROM ${checkpoints} WHERE name = $1 FOR UPDATE`, [name]);
    if (rows.length === 0) {
      await m.query(`INSERT INTO ${checkpoints} (name, seq, updated_at) VALUES ($1, 0, now()) ON CONFLICT (name) DO NOTHING`, [name]);
      rows = await m.query(`SELECT seq FROM ${checkpoints} WHERE name = $1 FOR UPDATE`, [name]);
    }
    const start = Number(rows[0].seq);
    let checkpoint = start;
    const fresh = recs.every((r, i) => r.seq > start && (i === 0 || r.seq > recs[i - 1].seq));
    const needsSql = recs.some((r) => SQL_PROJECTIONS[r.event.type]);
    if (isPrepared(batch) && fresh && !needsSql) {
      // The common case: every event is new, in order, and said as row changes prepared ahead.
      if (recs.length === 0) return checkpoint;
      checkpoint = recs[recs.length - 1].seq;
      await flush(m, generation.schema, batch.changes);
    } else {
      let pending = new RowChanges();
      let searchPathSet = false;
      for (const rec of recs) {
        if (rec.seq <= checkpoint) continue;
        changesOf(subjects, rec, pending);
        const sql = SQL_PROJECTIONS[rec.event.type] as SqlProjection<EventType> | undefined;
        if (sql) {
          await flush(m, generation.schema, pending);
          pending = new RowChanges();
          if (!searchPathSet) await m.query(`SET LOCAL search_path TO ${ident(generation.schema)}`);
          searchPathSet = true;
          await sql(m, rec as Recorded<EventOf<EventType>>);
        }
        checkpoint = rec.seq;
      }
      if (checkpoint === start) return checkpoint;
      await flush(m, generation.schema, pending);
    }
    await m.query(`UPDATE ${checkpoints} SET seq = $2, updated_at = now() WHERE name = $1`, [name, checkpoint]);
    return checkpoint;
  });
}

/**
 * The read models as a list of events leaves them, computed in memory from nothing with the same projections the
 * projector applies (no audit rows; SQL_PROJECTIONS cannot run here). Time travel folds one service's events with it.
 */
export function foldInMemory(recs: Iterable<Recorded<MarshalEvent>>): RowState {
  const state = new RowState(true);
  for (const rec of recs) {
    const rows = new RowChanges();
    changesOf(undefined, rec, rows);
    for (const op of rows.ops) state.apply(op);
  }
  return state;
}
