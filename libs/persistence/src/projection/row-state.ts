import { keyString, sameValue, type EntityClass, type Row, type RowOf, type TableInfo, tableOf } from '../schema/tables';
import { RowChanges, type RowOp } from './row-changes';

interface TableRows {
  current: Map<string, Row>;
  /** What the store holds for a key before this batch: a row, null (known absent), or no entry (unknown). */
  initial: Map<string, Row | null>;
  /** Keys changed in this batch, and whether only appends touched them. */
  touched: Map<string, { insertOnly: boolean }>;
}

export interface TableWrites {
  table: TableInfo;
  /** Rows to insert or replace. */
  upserts: Row[];
  /** Rows appended; a stored row with the same key wins. */
  inserts: Row[];
  /** Keys of rows to delete. */
  deletes: Row[];
}

function matches(row: Row, match: Row): boolean {
  return Object.entries(match).every(([k, v]) => sameValue(row[k], v));
}

/**
 * Read-model rows in memory: what a batch loaded from PostgreSQL plus the changes applied to it, or — with
 * `complete` — a whole read model folded from nothing (time travel), where a row not held is a row that does not
 * exist. Computes the net writes of a batch: one row state per key, whatever the number of events that touched it.
 */
export class RowState {
  private readonly tables = new Map<TableInfo, TableRows>();

  constructor(private readonly complete = false) {}

  private of(table: TableInfo): TableRows {
    let t = this.tables.get(table);
    if (!t) {
      t = { current: new Map(), initial: new Map(), touched: new Map() };
      this.tables.set(table, t);
    }
    return t;
  }

  /** Rows read from the store; keys already known in this batch keep their state. */
  seed(table: TableInfo, rows: Row[]): void {
    const t = this.of(table);
    for (const row of rows) {
      const k = keyString(table, row);
      if (t.initial.has(k) || t.touched.has(k)) continue;
      t.initial.set(k, row);
      t.current.set(k, row);
    }
  }

  /** A key looked up in the store and not found. */
  markAbsent(table: TableInfo, key: Row): void {
    const t = this.of(table);
    const k = keyString(table, key);
    if (!t.initial.has(k) && !t.touched.has(k)) t.initial.set(k, null);
  }

  apply(op: RowOp): void {
    const t = this.of(op.table);
    if (op.kind === 'scope') {
      const inner = new RowChanges();
      op.f([...t.current.values()].filter((row) => matches(row, op.match)), inner);
      for (const o of inner.ops) {
        // Only rows of the scope are known to be loaded; anything reading other stored rows would silently miss them.
        const reads = o.kind !== 'merge' ? !this.complete : o.load && !this.known(o.table, keyString(o.table, o.key));
        if (reads) throw new Error(`${o.table.name}: a change inside within() may only read rows of its scope`);
        this.apply(o);
      }
      return;
    }
    if (op.kind === 'deleteWhere') {
      for (const [k, row] of t.current) {
        if (!matches(row, op.match)) continue;
        t.current.delete(k);
        t.touched.set(k, { insertOnly: false });
      }
      return;
    }
    const k = keyString(op.table, op.key);
    const next = op.f(t.current.get(k));
    if (next === undefined) {
      t.current.delete(k);
    } else {
      for (const c of op.table.key) {
        if (!sameValue(next[c.property], op.key[c.property])) throw new Error(`${op.table.name}: a projection changed the key column ${c.property}`);
      }
      t.current.set(k, next);
    }
    const before = t.touched.get(k);
    t.touched.set(k, { insertOnly: (before ? before.insertOnly : true) && op.insertOnly });
  }

  /** Whether the state holds what the store has for a key (loaded, known absent, touched, or everything). */
  private known(table: TableInfo, k: string): boolean {
    const t = this.of(table);
    return this.complete || t.initial.has(k) || t.touched.has(k) || t.current.has(k);
  }

  /** The rows of a table as they stand now. */
  rows<E>(entity: EntityClass<E>): RowOf<E>[] {
    return [...(this.tables.get(tableOf(entity))?.current.values() ?? [])] as RowOf<E>[];
  }

  /** The net writes: rows that differ from what was loaded, and rows that no longer exist. */
  writes(): TableWrites[] {
    const out: TableWrites[] = [];
    for (const [table, t] of this.tables) {
      const w: TableWrites = { table, upserts: [], inserts: [], deletes: [] };
      for (const [k, how] of t.touched) {
        const final = t.current.get(k);
        const initial = t.initial.has(k) ? t.initial.get(k) : this.complete ? null : undefined;
        if (final) {
          if (initial && sameValue(initial, final)) continue;
          (how.insertOnly ? w.inserts : w.upserts).push(final);
        } else if (initial !== null) {
          w.deletes.push(JSON.parse(k).reduce((key: Row, v: unknown, i: number) => ({ ...key, [table.key[i].property]: v }), {}));
        }
      }
      if (w.upserts.length || w.inserts.length || w.deletes.length) out.push(w);
    }
    return out;
  }
}
