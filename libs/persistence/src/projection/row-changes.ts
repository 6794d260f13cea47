import { tableOf, type EntityClass, type Row, type RowOf, type TableInfo } from '../schema/tables';

/**
 * A change to one row, keyed by its primary key: `f` gets the row as it stands (undefined when absent) and returns
 * the row it becomes (undefined deletes it). `load` says whether `f` needs the stored row; `insertOnly` marks an
 * append that must keep a row already there.
 */
export interface MergeOp {
  kind: 'merge';
  table: TableInfo;
  key: Row;
  f: (existing: Row | undefined) => Row | undefined;
  load: boolean;
  insertOnly: boolean;
  /** The whole row, when the op puts or inserts one (lets writes prepare it ahead). */
  row?: Row;
}

/** Deletes every row whose columns equal `match` (e.g. the steps of one plan). */
export interface DeleteWhereOp {
  kind: 'deleteWhere';
  table: TableInfo;
  match: Row;
}

/**
 * Reads the rows whose columns equal `match` as they stand at this point of the batch, and records more changes from
 * them (e.g. append a phase after the last one). `f` may put, insert and delete any rows, and update rows of the scope.
 */
export interface ScopeOp {
  kind: 'scope';
  table: TableInfo;
  match: Row;
  f: (rows: Row[], changes: RowChanges) => void;
}

export type RowOp = MergeOp | DeleteWhereOp | ScopeOp;

function keyOf(table: TableInfo, values: Row): Row {
  const key: Row = {};
  for (const c of table.key) {
    const v = values[c.property];
    if (v === undefined || v === null) throw new Error(`${table.name}: the key needs ${table.key.map((k) => k.property).join(', ')}; ${c.property} is missing`);
    key[c.property] = v;
  }
  return key;
}

/**
 * What projections say about the read models, as row changes rather than SQL: recorded by pure handlers, then applied
 * by the SQL engine in batches (multi-row upserts) or folded in memory (time travel). Handlers never mutate the rows
 * they are given; they return new ones.
 */
export class RowChanges {
  readonly ops: RowOp[] = [];

  /** Inserts the row, or replaces the row with its key. */
  put<E>(entity: EntityClass<E>, row: RowOf<E>): void {
    const table = tableOf(entity);
    const r = row as Row;
    this.ops.push({ kind: 'merge', table, key: keyOf(table, r), f: () => r, load: false, insertOnly: false, row: r });
  }

  /** Appends a row that is never changed afterwards; a row already stored with its key is kept. */
  insert<E>(entity: EntityClass<E>, row: RowOf<E>): void {
    const table = tableOf(entity);
    const r = row as Row;
    this.ops.push({ kind: 'merge', table, key: keyOf(table, r), f: (existing) => existing ?? r, load: false, insertOnly: true, row: r });
  }

  /** Changes the row with this key if there is one (like UPDATE … WHERE key); returning undefined deletes it. */
  update<E>(entity: EntityClass<E>, key: Partial<RowOf<E>>, f: (row: RowOf<E>) => RowOf<E> | undefined): void {
    const table = tableOf(entity);
    this.ops.push({
      kind: 'merge',
      table,
      key: keyOf(table, key as Row),
      f: (existing) => (existing ? (f(existing as RowOf<E>) as Row) : undefined),
      load: true,
      insertOnly: false,
    });
  }

  /** Creates or changes the row with this key, seeing the stored one if any. */
  upsert<E>(entity: EntityClass<E>, key: Partial<RowOf<E>>, f: (row: RowOf<E> | undefined) => RowOf<E>): void {
    const table = tableOf(entity);
    this.ops.push({ kind: 'merge', table, key: keyOf(table, key as Row), f: (existing) => f(existing as RowOf<E> | undefined) as Row, load: true, insertOnly: false });
  }

  delete<E>(entity: EntityClass<E>, key: Partial<RowOf<E>>): void {
    const table = tableOf(entity);
    this.ops.push({ kind: 'merge', table, key: keyOf(table, key as Row), f: () => undefined, load: false, insertOnly: false });
  }

  /** Deletes every row whose given columns have these values. */
  deleteWhere<E>(entity: EntityClass<E>, match: Partial<RowOf<E>>): void {
    const m = match as Row;
    if (Object.keys(m).length === 0) throw new Error('deleteWhere needs at least one column to match');
    this.ops.push({ kind: 'deleteWhere', table: tableOf(entity), match: m });
  }

  /** Records changes that depend on a set of rows: `f` sees the rows matching `match` (see ScopeOp). */
  within<E>(entity: EntityClass<E>, match: Partial<RowOf<E>>, f: (rows: RowOf<E>[], changes: RowChanges) => void): void {
    const m = match as Row;
    if (Object.keys(m).length === 0) throw new Error('within needs at least one column to match');
    this.ops.push({ kind: 'scope', table: tableOf(entity), match: m, f: f as unknown as ScopeOp['f'] });
  }
}
