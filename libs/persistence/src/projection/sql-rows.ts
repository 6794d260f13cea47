import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { EntityManager } from 'typeorm';
import { ident, rowFromDb, type ColumnInfo, type Row, type TableInfo } from '../schema/tables';
import type { RowOp } from './row-changes';
import type { RowState, TableWrites } from './row-state';

/**
 * Loads and writes rows set-wise, one statement per table and kind: arrays of column values unnested into rows
 * (`unnest($1::text[], $2::int[], …)`), so a batch costs a handful of round trips whatever its size. Tables are
 * qualified with the schema of the generation being written.
 */

/**
 * The element type an array parameter is cast to. Array columns travel as the text of their array literal and are
 * cast back per row, since unnest would flatten a 2-D array.
 */
const paramType = (c: ColumnInfo): string => (c.array ? 'text' : c.type);

const ARRAY_SPECIAL = /[\\"]/;

/** PostgreSQL's array literal of a list of values: `{"a","b \\"c\\""}`. */
function arrayLiteral(values: unknown[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) {
      out += 'NULL';
      continue;
    }
    const t = String(v);
    out += `"${ARRAY_SPECIAL.test(t) ? t.replace(/\\/g, '\\\\').replace(/"/g, '\\"') : t}"`;
  }
  return out + '}';
}

function toParam(c: ColumnInfo, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (c.array) return arrayLiteral(v as unknown[]);
  if (c.type === 'jsonb') return JSON.stringify(v);
  return v;
}

/** The select expression turning an unnested parameter column back into the column's type. */
const selectExpr = (c: ColumnInfo, alias: string): string => (c.array ? `${alias}::${c.type}[]` : alias);

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format: `\\N` for null, backslash escapes for the separators. */
function copyValue(c: ColumnInfo, v: unknown): string {
  const p = toParam(c, v);
  if (p === null) return '\\N';
  const text = typeof p === 'boolean' ? (p ? 't' : 'f') : String(p);
  return COPY_SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (ch) => COPY_ESCAPES[ch]) : text;
}

/** COPY lines of rows prepared ahead (outside the transaction), by row object. */
const copyLines = new WeakMap<Row, string>();

const copyLine = (cols: ColumnInfo[], r: Row): string => copyLines.get(r) ?? cols.map((c) => copyValue(c, r[c.property])).join('\t');

/**
 * Renders the COPY lines of the rows a batch appends, before its transaction starts: pure work the projector does
 * while the previous batch is being written.
 */
export function prepareAppends(ops: RowOp[]): void {
  for (const op of ops) if (op.kind === 'merge' && op.insertOnly && op.row) copyLines.set(op.row, copyLine(op.table.columns, op.row));
}

/** Appends of at least this many rows go through COPY, PostgreSQL's bulk load (about 1.5× a multi-row INSERT). */
const COPY_MIN_ROWS = 64;

/** Appends rows with COPY on the transaction's own connection. */
async function copyRows(m: EntityManager, name: string, cols: ColumnInfo[], rows: Row[]): Promise<void> {
  const runner = m.queryRunner;
  if (!runner) throw new Error('COPY needs the transaction of an entity manager');
  const client = (await runner.connect()) as PoolClient;
  const text = rows.map((r) => copyLine(cols, r)).join('\n') + '\n';
  await pipeline(Readable.from([text]), client.query(copyFrom(`COPY ${name} (${cols.map((c) => ident(c.column)).join(', ')}) FROM STDIN`)));
}

function columnArrays(cols: ColumnInfo[], rows: Row[]): unknown[][] {
  return cols.map((c) => rows.map((r) => toParam(c, r[c.property])));
}

const unnest = (cols: ColumnInfo[], from = 1): string => `unnest(${cols.map((c, i) => `$${i + from}::${paramType(c)}[]`).join(', ')})`;

function checkComplete(table: TableInfo, row: Row): void {
  for (const c of table.columns) {
    if (row[c.property] === undefined) throw new Error(`projection of a ${table.name} row left column ${c.property} undefined`);
    if (row[c.property] === null && !c.nullable && !c.primary) throw new Error(`projection of a ${table.name} row set non-nullable column ${c.property} to null`);
  }
}

async function loadByKeys(m: EntityManager, schema: string, state: RowState, table: TableInfo, keys: Row[]): Promise<void> {
  const cols = table.key;
  const found: Record<string, unknown>[] = await m.query(
    `SELECT * FROM ${ident(schema)}.${ident(table.name)} WHERE (${cols.map((c) => ident(c.column)).join(', ')}) IN (SELECT * FROM ${unnest(cols)})`,
    columnArrays(cols, keys),
  );
  state.seed(table, found.map((r) => rowFromDb(table, r)));
  for (const k of keys) state.markAbsent(table, k);
}

async function loadByMatch(m: EntityManager, schema: string, state: RowState, table: TableInfo, props: string[], matches: Row[]): Promise<void> {
  const cols = props.map((p) => {
    const c = table.columns.find((x) => x.property === p);
    if (!c) throw new Error(`${table.name} has no column ${p}`);
    return c;
  });
  const found: Record<string, unknown>[] = await m.query(
    `SELECT * FROM ${ident(schema)}.${ident(table.name)} WHERE (${cols.map((c) => ident(c.column)).join(', ')}) IN (SELECT * FROM ${unnest(cols)})`,
    columnArrays(cols, matches),
  );
  state.seed(table, found.map((r) => rowFromDb(table, r)));
}

/** Reads every stored row the ops need to see: keys they change with `load`, the sets `deleteWhere` clears. */
export async function loadFor(m: EntityManager, schema: string, state: RowState, ops: RowOp[]): Promise<void> {
  const keys = new Map<TableInfo, Map<string, Row>>();
  const scopes = new Map<string, { table: TableInfo; props: string[]; values: Map<string, Row> }>();
  for (const op of ops) {
    if (op.kind === 'merge') {
      if (!op.load) continue;
      const byKey = keys.get(op.table) ?? new Map<string, Row>();
      byKey.set(JSON.stringify(op.table.key.map((c) => op.key[c.property])), op.key);
      keys.set(op.table, byKey);
    } else {
      // deleteWhere and within: every stored row of the scope.
      const props = Object.keys(op.match).sort();
      const id = `${op.table.name}|${props.join(',')}`;
      const scope = scopes.get(id) ?? { table: op.table, props, values: new Map<string, Row>() };
      scope.values.set(JSON.stringify(props.map((p) => op.match[p])), op.match);
      scopes.set(id, scope);
    }
  }
  for (const [table, byKey] of keys) await loadByKeys(m, schema, state, table, [...byKey.values()]);
  for (const s of scopes.values()) await loadByMatch(m, schema, state, s.table, s.props, [...s.values.values()]);
}

async function writeTable(m: EntityManager, schema: string, w: TableWrites): Promise<void> {
  const { table } = w;
  const name = `${ident(schema)}.${ident(table.name)}`;
  const keyCols = table.key.map((c) => ident(c.column)).join(', ');
  if (w.deletes.length) {
    await m.query(`DELETE FROM ${name} WHERE (${keyCols}) IN (SELECT * FROM ${unnest(table.key)})`, columnArrays(table.key, w.deletes));
  }
  const cols = table.columns;
  const names = cols.map((c) => ident(c.column)).join(', ');
  const aliases = cols.map((_, i) => `c${i}`);
  const insert = `INSERT INTO ${name} (${names}) SELECT ${cols.map((c, i) => selectExpr(c, `u.${aliases[i]}`)).join(', ')} FROM ${unnest(cols)} AS u(${aliases.join(', ')})`;
  if (w.inserts.length) {
    w.inserts.forEach((r) => checkComplete(table, r));
    // Appends never replace: a stored row with the same key stays as it is. COPY cannot skip one, so a conflict
    // (never expected: the checkpoint keeps sequences new) rolls the COPY back and the rows go in one by one.
    let copied = false;
    if (w.inserts.length >= COPY_MIN_ROWS) {
      await m.query('SAVEPOINT copy_rows');
      try {
        await copyRows(m, name, cols, w.inserts);
        await m.query('RELEASE SAVEPOINT copy_rows');
        copied = true;
      } catch (e) {
        if ((e as { code?: string }).code !== '23505') throw e;
        await m.query('ROLLBACK TO SAVEPOINT copy_rows');
      }
    }
    if (!copied) await m.query(`${insert} ON CONFLICT DO NOTHING`, columnArrays(cols, w.inserts));
  }
  if (w.upserts.length) {
    w.upserts.forEach((r) => checkComplete(table, r));
    const others = cols.filter((c) => !c.primary);
    const onConflict = others.length
      ? `ON CONFLICT (${keyCols}) DO UPDATE SET ${others.map((c) => `${ident(c.column)} = EXCLUDED.${ident(c.column)}`).join(', ')}`
      : `ON CONFLICT (${keyCols}) DO NOTHING`;
    await m.query(`${insert} ${onConflict}`, columnArrays(cols, w.upserts));
  }
}

/** Writes the net changes of a batch: per table, its deletes, then its appends, then its upserts. */
export async function writeChanges(m: EntityManager, schema: string, state: RowState): Promise<void> {
  for (const w of state.writes()) await writeTable(m, schema, w);
}
