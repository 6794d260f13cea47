import { createTestDatabase, type TestDatabase } from '@marshal/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { databaseUnavailable } from './database-errors';
import { migrate } from './schema/generations';

/** Bounds of the database side (docs/operations.md "Bounds"): statement timeout, and the index time travel reads by. */
describe('database bounds on a real PostgreSQL', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url, statementTimeoutMs: 300, poolSize: 2 });
    await ds.initialize();
    // The migrations run under the same timeout: they lift it for themselves.
    await migrate(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('cancels a statement over DB_STATEMENT_TIMEOUT_MS, and the error is UNAVAILABLE, not a bug', async () => {
    const started = Date.now();
    const error = await ds.query('SELECT pg_sleep(5)').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(databaseUnavailable(error)).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('statement timeout') });
    // The pool is still usable afterwards.
    expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it("reads a service's history by the (service, seq) index, not by scanning every event", async () => {
    // One connection: an empty table would be scanned anyway, so scans are priced out to see which index is usable.
    const qr = ds.createQueryRunner();
    try {
      await qr.query(`SET enable_seqscan = off`);
      const plan: { 'QUERY PLAN': string }[] = await qr.query(`EXPLAIN SELECT seq FROM events WHERE service = $1 AND seq <= $2 ORDER BY seq`, ['hello-world', 100]);
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('IDX_events_service_seq');
      await qr.query(`RESET enable_seqscan`);
    } finally {
      await qr.release();
    }
  });
});
