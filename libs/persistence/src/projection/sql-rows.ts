import type { EntityManager } from 'typeorm';
import { ident, rowFromDb, type ColumnInfo, type Row, type TableInfo } from '../schema/tables';
import type { RowOp } from './row-changes';
import type { RowState, TableWrites } from './row-state';

/**
 * Loads and writes rows set-wise, one statement per table and kind: arrays of column values unnested into rows
 * (`unnest($1::text[], $2::int[], …)`), so a batch costs a handful of round trips whatever its size. Tables are
 * unqualified: the caller's transaction has its search path set to the generation being written.
 */

/** The element type an array parameter is cast to; array columns travel as jsonb, since unnest flattens 2-D arrays. */
const paramType = (c: ColumnInfo): string => (c.array ? 'jsonb' : c.type);

function toParam(c: ColumnInfo, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (c.array || c.type === 'jsonb') return JSON.stringify(v);
  return v;
}

/** The select expression turning an unnested parameter column back into the column's type. */
const selectExpr = (c: ColumnInfo, alias: string): string =>
  c.array ? `ARRAY(SELECT jsonb_array_elements_text(${alias}))::${c.type}[]` : alias;

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

async function loadByKeys(m: EntityManager, state: RowState, table: TableInfo, keys: Row[]): Promise<void> {
  const cols = table.key;
  const found: Record<string, unknown>[] = await m.query(
    `SELECT * FROM ${ident(table.name)} WHERE (${cols.map((c) => ident(c.column)).join(', ')}) IN (SELECT * FROM ${unnest(cols)})`,
    columnArrays(cols, keys),
  );
  state.seed(table, found.map((r) => rowFromDb(table, r)));
  for (const k of keys) state.markAbsent(table, k);
}

async function loadByMatch(m: EntityManager, state: RowState, table: TableInfo, props: string[], matches: Row[]): Promise<void> {
  const cols = props.map((p) => {
    const c = table.columns.find((x) => x.property === p);
    if (!c) throw new Error(`${table.name} has no column ${p}`);
    return c;
  });
  const found: Record<string, unknown>[] = await m.query(
    `SELECT * FROM ${ident(table.name)} WHERE (${cols.map((c) => ident(c.column)).join(', ')}) IN (SELECT * FROM ${unnest(cols)})`,
    columnArrays(cols, matches),
  );
  state.seed(table, found.map((r) => rowFromDb(table, r)));
}

/** Reads every stored row the ops need to see: keys they change with `load`, the sets `deleteWhere` clears. */
export async function loadFor(m: EntityManager, state: RowState, ops: RowOp[]): Promise<void> {
  const keys = new Map<TableInfo, Map<string, Row>>();
  const scopes = new Map<string, { table: TableInfo; props: string[]; values: Map<string, Row> }>();
  for (const op of ops) {
    if (op.kind === 'merge') {
      if (!op.load) continue;
      const byKey = keys.get(op.table) ?? new Map<string, Row>();
      byKey.set(JSON.stringify(op.table.key.map((c) => op.key[c.property])), op.key);
      keys.set(op.table, byKey);
    } else {
      const props = Object.keys(op.match).sort();
      const id = `${op.table.name}|${props.join(',')}`;
      const scope = scopes.get(id) ?? { table: op.table, props, values: new Map<string, Row>() };
      scope.values.set(JSON.stringify(props.map((p) => op.match[p])), op.match);
      scopes.set(id, scope);
    }
  }
  for (const [table, byKey] of keys) await loadByKeys(m, state, table, [...byKey.values()]);
  for (const s of scopes.values()) await loadByMatch(m, state, s.table, s.props, [...s.values.values()]);
}

async function writeTable(m: EntityManager, w: TableWrites): Promise<void> {
  const { table } = w;
  const keyCols = table.key.map((c) => ident(c.column)).join(', ');
  if (w.deletes.length) {
    await m.query(`DELETE FROM ${ident(table.name)} WHERE (${keyCols}) IN (SELECT * FROM ${unnest(table.key)})`, columnArrays(table.key, w.deletes));
  }
  const cols = table.columns;
  const names = cols.map((c) => ident(c.column)).join(', ');
  const aliases = cols.map((_, i) => `c${i}`);
  const insert = `INSERT INTO ${ident(table.name)} (${names}) SELECT ${cols.map((c, i) => selectExpr(c, `u.${aliases[i]}`)).join(', ')} FROM ${unnest(cols)} AS u(${aliases.join(', ')})`;
  if (w.inserts.length) {
    w.inserts.forEach((r) => checkComplete(table, r));
    // Appends never replace: a stored row with the same key, or the same unique id, stays as it is.
    await m.query(`${insert} ON CONFLICT DO NOTHING`, columnArrays(cols, w.inserts));
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
export async function writeChanges(m: EntityManager, state: RowState): Promise<void> {
  for (const w of state.writes()) await writeTable(m, w);
}
