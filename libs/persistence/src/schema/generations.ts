import type { DataSource, QueryRunner } from 'typeorm';
import { READ_MODEL_ENTITIES } from '../entities/read-models';
import { MIGRATIONS } from '../migrations';
import { ident, tableOf } from './tables';

/**
 * Read models live in generations: each is a PostgreSQL schema (`read_models_<id>`) holding every read-model table,
 * built by the migrations and filled from the log from sequence 1. One generation is active; `public` holds a view
 * per table pointing at it, which is what every query reads. A rebuild fills a new generation while the active one
 * keeps serving, then repoints the views in one transaction and drops the old schema (Emmett's blue/green rebuild,
 * toolchain §3.4).
 */
export type GenerationState = 'building' | 'active' | 'retired';

export interface Generation {
  id: number;
  schema: string;
  state: GenerationState;
  createdAt: string;
  activatedAt: string | null;
  /** Who asked for it: an actor for a rebuild, null for the first generation. */
  requestedBy: string | null;
}

export interface GenerationProgress extends Generation {
  /** Last stream sequence the generation holds. */
  checkpoint: number;
}

/** Name of the projection checkpoint row in each generation. */
export const DEFAULT_PROJECTION = 'read-models';
const SCHEMA_PREFIX = 'read_models_';
const GENERATIONS = 'public.read_model_generations';
/** Key of the advisory lock that serialises changes to the generations (migrations, rebuild start, switch). */
const GENERATIONS_LOCK = 7_246_201;

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

async function rowsOf<T>(q: Queryable, sql: string, params?: unknown[]): Promise<T[]> {
  return (await q.query(sql, params)) as T[];
}

export class GenerationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenerationError';
  }
}

interface GenerationDbRow {
  id: number;
  schema_name: string;
  state: GenerationState;
  created_at: Date;
  activated_at: Date | null;
  requested_by: string | null;
}

const toGeneration = (r: GenerationDbRow): Generation => ({
  id: Number(r.id),
  schema: r.schema_name,
  state: r.state,
  createdAt: new Date(r.created_at).toISOString(),
  activatedAt: r.activated_at ? new Date(r.activated_at).toISOString() : null,
  requestedBy: r.requested_by,
});

/**
 * Runs `fn` holding the generations lock, on one connection without the statement timeout a service may set
 * (`DB_STATEMENT_TIMEOUT_MS`): waiting for the lock while another process migrates, and building a generation's
 * indexes, legitimately take longer than any query should.
 */
async function withGenerationsLock<T>(ds: DataSource, fn: (qr: QueryRunner) => Promise<T>): Promise<T> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query('SET statement_timeout = 0');
    await qr.query('SELECT pg_advisory_lock($1)', [GENERATIONS_LOCK]);
    return await fn(qr);
  } finally {
    let broken: Error | undefined;
    try {
      await qr.query('SELECT pg_advisory_unlock($1)', [GENERATIONS_LOCK]);
      await qr.query('RESET statement_timeout');
    } catch (e) {
      broken = e instanceof Error ? e : new Error(String(e));
    }
    // A connection that could not give the lock back or reset its session is closed, not pooled: closing frees the lock.
    const pg = qr as QueryRunner & { releasePostgresConnection?: (err?: Error) => Promise<void> };
    if (pg.releasePostgresConnection) await pg.releasePostgresConnection(broken);
    else await qr.release();
  }
}

async function inTransaction<T>(qr: QueryRunner, fn: () => Promise<T>): Promise<T> {
  await qr.startTransaction();
  try {
    const out = await fn();
    await qr.commitTransaction();
    return out;
  } catch (e) {
    await qr.rollbackTransaction().catch(() => undefined);
    throw e;
  }
}

async function applyMigrations(qr: QueryRunner, schema: string): Promise<void> {
  const s = ident(schema);
  await qr.query(`CREATE TABLE IF NOT EXISTS ${s}.read_model_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL)`);
  const applied = new Set((await rowsOf<{ name: string }>(qr, `SELECT name FROM ${s}.read_model_migrations`)).map((r) => r.name));
  for (const M of MIGRATIONS) {
    const migration = new M();
    const name = migration.name ?? M.name;
    if (applied.has(name)) continue;
    await inTransaction(qr, async () => {
      await qr.query(`SET LOCAL search_path TO ${s}`);
      await migration.up(qr);
      await qr.query(`INSERT INTO ${s}.read_model_migrations (name, applied_at) VALUES ($1, now())`, [name]);
    });
  }
}

/** Points the `public` views at a generation's tables (inside the caller's transaction). */
async function pointViewsAt(qr: QueryRunner, schema: string): Promise<void> {
  for (const entity of READ_MODEL_ENTITIES) {
    const t = ident(tableOf(entity).name);
    const select = `SELECT * FROM ${ident(schema)}.${t}`;
    await qr.query('SAVEPOINT repoint_view');
    try {
      await qr.query(`CREATE OR REPLACE VIEW public.${t} AS ${select}`);
    } catch {
      // A migration dropped or retyped a column: the view must be made again.
      await qr.query('ROLLBACK TO SAVEPOINT repoint_view');
      await qr.query(`DROP VIEW IF EXISTS public.${t}`);
      await qr.query(`CREATE VIEW public.${t} AS ${select}`);
    }
    await qr.query('RELEASE SAVEPOINT repoint_view');
  }
}

/** Read models of the first release were tables in `public`; they are rebuilt from the log as a generation. */
async function dropPreGenerationLayout(qr: QueryRunner): Promise<void> {
  const [{ old }] = await rowsOf<{ old: string | null }>(qr, `SELECT to_regclass('public.read_model_migrations')::text AS old`);
  if (!old) return;
  const names = READ_MODEL_ENTITIES.map((e) => tableOf(e).name);
  const tables = await rowsOf<{ table_name: string }>(
    qr,
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name = ANY($1)`,
    [names],
  );
  for (const t of tables) await qr.query(`DROP TABLE public.${ident(t.table_name)} CASCADE`);
  await qr.query('DROP TABLE public.read_model_migrations');
}

/**
 * A generation being rebuilt is bulk-loaded from sequence 1: its secondary (non-unique) indexes are dropped and their
 * definitions kept, to be built once at the end (`buildDeferredIndexes`) — sorted index builds instead of maintaining
 * them row by row. Primary keys and unique indexes stay: the upserts need them.
 */
async function deferIndexes(qr: QueryRunner, schema: string): Promise<void> {
  await qr.query(`CREATE TABLE ${ident(schema)}.read_model_deferred_indexes (name text PRIMARY KEY, definition text NOT NULL)`);
  const indexes = await rowsOf<{ name: string; definition: string }>(
    qr,
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT i.indisunique AND NOT i.indisprimary`,
    [schema],
  );
  for (const ix of indexes) {
    await qr.query(`INSERT INTO ${ident(schema)}.read_model_deferred_indexes (name, definition) VALUES ($1, $2)`, [ix.name, ix.definition]);
    await qr.query(`DROP INDEX ${ident(schema)}.${ident(ix.name)}`);
  }
}

/** Builds the indexes a rebuild deferred (no-op when there are none left). Returns how many it built. */
export async function buildDeferredIndexes(ds: DataSource, id: number): Promise<number> {
  const schema = `${SCHEMA_PREFIX}${id}`;
  const [{ t }] = await rowsOf<{ t: string | null }>(ds, `SELECT to_regclass($1)::text AS t`, [`${schema}.read_model_deferred_indexes`]);
  if (!t) return 0;
  const pending = await rowsOf<{ name: string; definition: string }>(ds, `SELECT name, definition FROM ${ident(schema)}.read_model_deferred_indexes ORDER BY name`);
  for (const ix of pending) {
    await ds.query(ix.definition.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS '));
    await ds.query(`DELETE FROM ${ident(schema)}.read_model_deferred_indexes WHERE name = $1`, [ix.name]);
  }
  await ds.query(`DROP TABLE ${ident(schema)}.read_model_deferred_indexes`);
  return pending.length;
}

async function newGeneration(qr: QueryRunner, state: GenerationState, requestedBy: string | null): Promise<Generation> {
  const [{ next }] = await rowsOf<{ next: number }>(qr, `SELECT COALESCE(max(id), 0) + 1 AS next FROM ${GENERATIONS}`);
  const schema = `${SCHEMA_PREFIX}${next}`;
  // A schema of that name can only be a leftover (e.g. the generations table was dropped): start it afresh.
  await qr.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  await qr.query(`CREATE SCHEMA ${ident(schema)}`);
  await applyMigrations(qr, schema);
  if (state === 'building') await deferIndexes(qr, schema);
  await qr.query(`INSERT INTO ${ident(schema)}.projector_checkpoints (name, seq, updated_at) VALUES ($1, 0, now())`, [DEFAULT_PROJECTION]);
  const [row] = await rowsOf<GenerationDbRow>(
    qr,
    `INSERT INTO ${GENERATIONS} (id, schema_name, state, created_at, activated_at, requested_by)
     VALUES ($1, $2, $3, now(), CASE WHEN $3 = 'active' THEN now() END, $4) RETURNING *`,
    [next, schema, state, requestedBy],
  );
  return toGeneration(row);
}

async function dropRetired(qr: QueryRunner): Promise<void> {
  for (const g of await rowsOf<GenerationDbRow>(qr, `SELECT * FROM ${GENERATIONS} WHERE state = 'retired'`)) {
    await qr.query(`DROP SCHEMA IF EXISTS ${ident(g.schema_name)} CASCADE`);
  }
}

/**
 * Brings the read models up to date at start (gateway and projector both call it, under an advisory lock): creates the
 * first generation if there is none, applies pending migrations to the active and building generations, and points
 * the views at the active one. Returns the active generation.
 */
export async function migrate(ds: DataSource): Promise<Generation> {
  return withGenerationsLock(ds, async (qr) => {
    await qr.query(`CREATE TABLE IF NOT EXISTS ${GENERATIONS} (
      id int PRIMARY KEY,
      schema_name text NOT NULL UNIQUE,
      state text NOT NULL CHECK (state IN ('building', 'active', 'retired')),
      created_at timestamptz NOT NULL,
      activated_at timestamptz,
      requested_by text
    )`);
    await qr.query(`CREATE UNIQUE INDEX IF NOT EXISTS read_model_generations_one_active ON ${GENERATIONS} (state) WHERE state = 'active'`);
    await dropPreGenerationLayout(qr);
    await dropRetired(qr);
    const live = (await rowsOf<GenerationDbRow>(qr, `SELECT * FROM ${GENERATIONS} WHERE state <> 'retired' ORDER BY id`)).map(toGeneration);
    for (const g of live) await applyMigrations(qr, g.schema);
    const active = live.find((g) => g.state === 'active') ?? (await newGeneration(qr, 'active', null));
    await inTransaction(qr, () => pointViewsAt(qr, active.schema));
    return active;
  });
}

/** Every generation not yet retired, with its checkpoint. */
export async function listGenerations(q: Queryable): Promise<GenerationProgress[]> {
  const gens = (await rowsOf<GenerationDbRow>(q, `SELECT * FROM ${GENERATIONS} WHERE state <> 'retired' ORDER BY id`)).map(toGeneration);
  const out: GenerationProgress[] = [];
  for (const g of gens) {
    const cp = await rowsOf<{ seq: string }>(q, `SELECT seq FROM ${ident(g.schema)}.projector_checkpoints WHERE name = $1`, [DEFAULT_PROJECTION]);
    out.push({ ...g, checkpoint: cp.length ? Number(cp[0].seq) : 0 });
  }
  return out;
}

/**
 * Starts a rebuild: a new, empty generation in state `building` (migrated, checkpoint 0) — or the one already being
 * built, so asking twice does not start two.
 */
export async function createGeneration(ds: DataSource, requestedBy: string): Promise<{ generation: Generation; created: boolean }> {
  return withGenerationsLock(ds, async (qr) => {
    const [building] = await rowsOf<GenerationDbRow>(qr, `SELECT * FROM ${GENERATIONS} WHERE state = 'building' ORDER BY id LIMIT 1`);
    if (building) return { generation: toGeneration(building), created: false };
    return { generation: await newGeneration(qr, 'building', requestedBy), created: true };
  });
}

export type ActivationResult =
  | { activated: true; generation: Generation; retired: Generation | null }
  /** `final`: the generation can never be activated (gone, or not being built); otherwise try again later. */
  | { activated: false; reason: string; final: boolean; behindBy?: number };

/**
 * Switches the queries to a generation that has caught up with the active one: in one transaction (holding every
 * projection batch off through the generation rows), repoints the views and retires the old generation, whose schema
 * is then dropped. Refuses while the new generation is behind.
 */
export async function activateGeneration(ds: DataSource, id: number): Promise<ActivationResult> {
  return withGenerationsLock(ds, async (qr) => {
    const result = await inTransaction(qr, async (): Promise<ActivationResult> => {
      const rows = (await rowsOf<GenerationDbRow>(qr, `SELECT * FROM ${GENERATIONS} WHERE state <> 'retired' ORDER BY id FOR UPDATE`)).map(toGeneration);
      const target = rows.find((g) => g.id === id);
      if (!target) return { activated: false, reason: `generation ${id} does not exist or was retired`, final: true };
      if (target.state !== 'building') return { activated: false, reason: `generation ${id} is ${target.state}, not building`, final: true };
      const [{ deferred }] = await rowsOf<{ deferred: string | null }>(qr, `SELECT to_regclass($1)::text AS deferred`, [`${target.schema}.read_model_deferred_indexes`]);
      if (deferred && (await rowsOf(qr, `SELECT 1 FROM ${ident(target.schema)}.read_model_deferred_indexes LIMIT 1`)).length > 0) {
        return { activated: false, reason: `generation ${id} still has indexes to build`, final: false };
      }
      const active = rows.find((g) => g.state === 'active') ?? null;
      const checkpoint = async (g: Generation): Promise<number> =>
        Number((await rowsOf<{ seq: string }>(qr, `SELECT seq FROM ${ident(g.schema)}.projector_checkpoints WHERE name = $1`, [DEFAULT_PROJECTION]))[0]?.seq ?? 0);
      const behindBy = active ? (await checkpoint(active)) - (await checkpoint(target)) : 0;
      if (behindBy > 0) return { activated: false, reason: `generation ${id} is ${behindBy} events behind`, final: false, behindBy };
      await pointViewsAt(qr, target.schema);
      if (active) await qr.query(`UPDATE ${GENERATIONS} SET state = 'retired' WHERE id = $1`, [active.id]);
      await qr.query(`UPDATE ${GENERATIONS} SET state = 'active', activated_at = now() WHERE id = $1`, [id]);
      return { activated: true, generation: { ...target, state: 'active' }, retired: active ? { ...active, state: 'retired' } : null };
    });
    if (result.activated) await dropRetired(qr);
    return result;
  });
}

/**
 * Locks the generation a projection batch writes into for the length of the caller's transaction (FOR SHARE, so
 * batches run side by side but a switch waits for them): the active one, or a given one being built.
 */
export async function lockGeneration(q: Queryable, id?: number): Promise<Generation> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const [row] =
      id === undefined
        ? await rowsOf<GenerationDbRow>(q, `SELECT * FROM ${GENERATIONS} WHERE state = 'active' FOR SHARE`)
        : await rowsOf<GenerationDbRow>(q, `SELECT * FROM ${GENERATIONS} WHERE id = $1 FOR SHARE`, [id]);
    if (row) {
      if (row.state === 'retired') throw new GenerationError(`read-model generation ${id} was retired`);
      return toGeneration(row);
    }
    // A switch committed while this waited: the row it waited for is no longer active; look again.
    if (id !== undefined) break;
  }
  throw new GenerationError(id === undefined ? 'no active read-model generation: migrate() has not run' : `read-model generation ${id} does not exist`);
}
