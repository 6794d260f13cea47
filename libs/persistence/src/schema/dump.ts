import type { DataSource } from 'typeorm';
import { READ_MODEL_ENTITIES } from '../entities/read-models';
import { ident, tableOf } from './tables';

/**
 * Every row of every read-model table of a schema, in key order, as JSON text — two generations are equal row for
 * row when their dumps are. The checkpoint's `updated_at` (wall clock of the write) is left out.
 */
export async function dumpReadModels(ds: DataSource, schema: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const entity of READ_MODEL_ENTITIES) {
    const t = tableOf(entity);
    const cols = t.columns.filter((c) => !(t.name === 'projector_checkpoints' && c.column === 'updated_at'));
    const rows: { r: string }[] = await ds.query(
      `SELECT row_to_json(x)::text AS r FROM (SELECT ${cols.map((c) => ident(c.column)).join(', ')} FROM ${ident(schema)}.${ident(t.name)}
        ORDER BY ${t.key.map((c) => ident(c.column)).join(', ')}) x`,
    );
    out[t.name] = rows.map((r) => r.r);
  }
  return out;
}
