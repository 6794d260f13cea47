import { Client } from 'pg';
import { createTestDatabase, freePort } from '@marshal/testing';
import { DatabaseUnusable, ensureDatabase } from './database';

describe('the database npm start uses (DATABASE_URL)', () => {
  it('is created when it does not exist and the role may create it; an existing one is left as it is', async () => {
    const db = await createTestDatabase();
    const url = new URL(db.url);
    const name = `${url.pathname.slice(1)}_new`;
    url.pathname = `/${name}`;
    try {
      expect(await ensureDatabase(url.toString())).toBe('created');
      expect(await ensureDatabase(url.toString())).toBe('existed');
      const c = new Client({ connectionString: url.toString() });
      await c.connect();
      await c.end();
    } finally {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}"`);
      await c.end();
      await db.drop();
    }
  });

  it('fails at once with the cause when the server cannot be reached', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await ensureDatabase(`postgres://postgres:secret@127.0.0.1:${port}/marshal`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnusable);
    expect((err as Error).message).toMatch(new RegExp(`cannot use PostgreSQL at postgres://postgres:\\*\\*\\*@127.0.0.1:${port}/marshal: .*ECONNREFUSED`));
    expect((err as Error).message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  // Needs a role without CREATEDB: made only on the run's own embedded server, never on a shared DATABASE_URL one.
  const ownServer = !process.env['DATABASE_URL'];
  (ownServer ? it : it.skip)('fails at once, saying why, when the database is missing and the role may not create it', async () => {
    const db = await createTestDatabase();
    const role = `${db.name}_ro`;
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    // The embedded server asks every role for its password.
    await admin.query(`CREATE ROLE ${role} LOGIN NOCREATEDB PASSWORD 'ro-password'`);
    try {
      const url = new URL(db.url);
      url.username = role;
      url.password = 'ro-password';
      url.pathname = `/${db.name}_missing`;
      const shown = new URL(url.toString());
      shown.password = '***';
      await expect(ensureDatabase(url.toString())).rejects.toThrow(
        `database "${db.name}_missing" at ${shown.toString()} does not exist and could not be created: its role may not create databases`,
      );
    } finally {
      await admin.query(`DROP ROLE ${role}`);
      await admin.end();
      await db.drop();
    }
  });

  it('names a URL without a database', async () => {
    await expect(ensureDatabase('postgres://postgres@127.0.0.1:5432')).rejects.toThrow('names no database');
  });
});
