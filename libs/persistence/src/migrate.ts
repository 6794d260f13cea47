import type { DataSource } from 'typeorm';

/** Key of the advisory lock that serialises migrations of services starting at the same time. */
const MIGRATION_LOCK = 7_246_201;

/** Applies pending read-model migrations under an advisory lock, so concurrent starts do not race. */
export async function migrate(ds: DataSource): Promise<void> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
  }
}
