import { startPostgresServer } from '../src/postgres-server';

/**
 * Integration and e2e tests need a PostgreSQL server to create their databases on: the one at DATABASE_URL when
 * set, otherwise an embedded one started here for the whole run. (Each test suite starts its own nats-server.)
 */
export default async function globalSetup(): Promise<void> {
  process.env['TZ'] = 'UTC';
  if (process.env['DATABASE_URL']) {
    process.env['MARSHAL_TEST_DATABASE_URL'] = process.env['DATABASE_URL'];
    return;
  }
  const pg = await startPostgresServer();
  process.env['MARSHAL_TEST_DATABASE_URL'] = pg.url;
  (globalThis as { __marshalPg?: { stop(): Promise<void> } }).__marshalPg = pg;
}
