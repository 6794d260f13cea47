import type { DataSource, EntityManager } from 'typeorm';
import type { EventOf, EventType, MarshalEvent, Recorded, Subjects } from '@marshal/contracts';
import { EventRow } from '../entities/read-models';
import { DEFAULT_PROJECTION, lockGeneration } from '../schema/generations';
import { ident } from '../schema/tables';
import { auditRow } from './audit';
import { PROJECTIONS, SQL_PROJECTIONS, type Projection, type SqlProjection } from './projections';
import { RowChanges } from './row-changes';
import { RowState } from './row-state';
import { loadFor, writeChanges } from './sql-rows';

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

async function flush(m: EntityManager, rows: RowChanges): Promise<void> {
  if (rows.ops.length === 0) return;
  const state = new RowState();
  await loadFor(m, state, rows.ops);
  for (const op of rows.ops) state.apply(op);
  await writeChanges(m, state);
}

/**
 * Applies a batch of events to a generation of the read models and moves its checkpoint in the same transaction,
 * skipping events at or below the checkpoint — so a redelivered event is never applied twice and a crash loses
 * nothing. The batch's row changes are folded in memory and written set-wise (one statement per table and kind).
 * Returns the generation's checkpoint after the batch.
 */
export async function projectBatch(ds: DataSource, subjects: Subjects, recs: Recorded<MarshalEvent>[], opts: ProjectOptions = {}): Promise<number> {
  const name = opts.name ?? DEFAULT_PROJECTION;
  return ds.transaction(async (m) => {
    const generation = await lockGeneration(m, opts.generation);
    await m.query(`SET LOCAL search_path TO ${ident(generation.schema)}`);
    await m.query(`INSERT INTO projector_checkpoints (name, seq, updated_at) VALUES ($1, 0, now()) ON CONFLICT (name) DO NOTHING`, [name]);
    const rows: { seq: string }[] = await m.query(`SELECT seq FROM projector_checkpoints WHERE name = $1 FOR UPDATE`, [name]);
    let checkpoint = Number(rows[0].seq);
    const start = checkpoint;
    let pending = new RowChanges();
    for (const rec of recs) {
      if (rec.seq <= checkpoint) continue;
      const sql = SQL_PROJECTIONS[rec.event.type] as SqlProjection<EventType> | undefined;
      if (sql) {
        changesOf(subjects, rec, pending);
        await flush(m, pending);
        pending = new RowChanges();
        await sql(m, rec as Recorded<EventOf<EventType>>);
      } else {
        changesOf(subjects, rec, pending);
      }
      checkpoint = rec.seq;
    }
    if (checkpoint === start) return checkpoint;
    await flush(m, pending);
    await m.query(`UPDATE projector_checkpoints SET seq = $2, updated_at = now() WHERE name = $1`, [name, checkpoint]);
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
