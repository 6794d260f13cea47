import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * The PostgreSQL server tests create their databases on: `MARSHAL_TEST_DATABASE_URL` (set by the Jest global setup,
 * which starts an embedded server unless `DATABASE_URL` is set) or `DATABASE_URL`.
 */
export function testServerUrl(): string {
  const url = process.env['MARSHAL_TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'];
  if (!url) throw new Error('no PostgreSQL for tests: run through Jest (global setup) or set DATABASE_URL');
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates a fresh, uniquely named database and returns its URL; `drop()` removes it. */
export async function createTestDatabase(serverUrl: string = testServerUrl()): Promise<TestDatabase> {
  const name = `marshal_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(serverUrl, name),
    name,
    drop: async () => {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
