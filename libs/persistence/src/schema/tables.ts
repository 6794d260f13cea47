import { getMetadataArgsStorage } from 'typeorm';

/** An entity class: the identity of a read-model table. */
export type EntityClass<E = unknown> = new () => E;

/** A read-model row as projections handle it: the entity's fields, timestamps as ISO-8601 strings. */
export type RowOf<E> = {
  [K in keyof E]: E[K] extends Date ? string : E[K] extends Date | null ? string | null : E[K];
};

export type Row = Record<string, unknown>;

export interface ColumnInfo {
  /** Property of the entity (and of a row). */
  property: string;
  /** Column in PostgreSQL. */
  column: string;
  /** PostgreSQL type of one value (`text`, `int`, `bigint`, `jsonb`, `timestamptz`, `boolean`). */
  type: string;
  nullable: boolean;
  primary: boolean;
  /** `text[]` and the like: the type is the element type. */
  array: boolean;
}

export interface TableInfo {
  entity: EntityClass;
  name: string;
  columns: ColumnInfo[];
  key: ColumnInfo[];
}

const TYPES: Record<string, string> = { int: 'int', integer: 'int', int4: 'int', bigint: 'bigint', int8: 'bigint', text: 'text', jsonb: 'jsonb', timestamptz: 'timestamptz', boolean: 'boolean', bool: 'boolean' };

const tables = new Map<EntityClass, TableInfo>();

/**
 * The table behind an entity, read from its TypeORM decorators (the one description of the read models), so the
 * projection engine needs no list of tables or columns of its own: a new entity is a new table it can write.
 */
export function tableOf(entity: EntityClass): TableInfo {
  const known = tables.get(entity);
  if (known) return known;
  const storage = getMetadataArgsStorage();
  const table = storage.tables.find((t) => t.target === entity);
  if (!table?.name) throw new Error(`${entity.name} is not a read-model entity with a table name`);
  const columns = storage.columns
    .filter((c) => c.target === entity && c.mode === 'regular')
    .map((c): ColumnInfo => {
      const type = TYPES[String(c.options.type)];
      if (!type) throw new Error(`${entity.name}.${c.propertyName}: column type '${String(c.options.type)}' is not one projections can write`);
      return {
        property: c.propertyName,
        column: c.options.name ?? c.propertyName,
        type,
        nullable: c.options.nullable === true,
        primary: c.options.primary === true,
        array: c.options.array === true,
      };
    });
  const key = columns.filter((c) => c.primary);
  if (key.length === 0) throw new Error(`${entity.name} has no primary key`);
  const info: TableInfo = { entity, name: table.name, columns, key };
  tables.set(entity, info);
  return info;
}

/** Quotes an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A row's key as one string, in key-column order. */
export function keyString(table: TableInfo, row: Row): string {
  return JSON.stringify(
    table.key.map((c) => {
      const v = row[c.property];
      if (v === undefined || v === null) throw new Error(`${table.name}: key column ${c.property} is missing`);
      return v;
    }),
  );
}

/** Converts a value PostgreSQL returned into the row representation (bigint → number, timestamptz → ISO string). */
export function fromDb(col: ColumnInfo, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (col.type === 'bigint') return col.array ? (v as string[]).map(Number) : Number(v);
  if (col.type === 'timestamptz') return v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString();
  return v;
}

/** A database row (column names) as a projection row (properties). */
export function rowFromDb(table: TableInfo, dbRow: Record<string, unknown>): Row {
  const row: Row = {};
  for (const c of table.columns) row[c.property] = fromDb(c, dbRow[c.column]);
  return row;
}

/** Order-insensitive deep equality of JSON-like values (jsonb does not keep key order). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameValue(x, bb[i]));
  }
  const ka = Object.keys(a).filter((k) => (a as Row)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Row)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Row)[k], (b as Row)[k]));
}
