import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { startPostgresServer, type PostgresServerHandle } from './postgres-server';

async function connect(url: string): Promise<string> {
  const c = new Client({ connectionString: url });
  try {
    await c.connect();
    return String((await c.query('select 1 as one')).rows[0].one);
  } finally {
    await c.end();
  }
}

describe('the embedded PostgreSQL asks for its password', () => {
  let pg: PostgresServerHandle | undefined;
  afterEach(async () => {
    await pg?.stop();
    pg = undefined;
  });

  it('connects with the generated password, kept 0600; refuses a connection without it or with a wrong one', async () => {
    pg = await startPostgresServer();
    expect(await connect(pg.url)).toBe('1');
    expect(statSync(pg.passwordFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(pg.passwordFile, 'utf8').trim()).toBe(pg.password);
    await expect(connect(`postgres://postgres@127.0.0.1:${pg.port}/postgres`)).rejects.toThrow(/password/);
    await expect(connect(`postgres://postgres:wrong@127.0.0.1:${pg.port}/postgres`)).rejects.toThrow('password authentication failed for user "postgres"');
    // The Unix socket asks too.
    await expect(connect(`postgres://postgres@/postgres?host=${dirname(pg.dataDir)}&port=${pg.port}`)).rejects.toThrow(/password/);
  });

  it('keeps the password across restarts of the same data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marshal-pg-keep-'));
    pg = await startPostgresServer({ dataDir: dir });
    const first = pg.password;
    await pg.stop();
    pg = await startPostgresServer({ dataDir: dir });
    expect(pg.password).toBe(first);
    expect(await connect(pg.url)).toBe('1');
  });

  it('a data directory made with trust auth gets the password and stops trusting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marshal-pg-legacy-'));
    pg = await startPostgresServer({ dataDir: dir });
    await pg.stop();
    // As an older launcher left it: trust everywhere, no password kept.
    writeFileSync(join(pg.dataDir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    execFileSync('rm', ['-f', pg.passwordFile]);
    pg = await startPostgresServer({ dataDir: dir });
    expect(await connect(pg.url)).toBe('1');
    await expect(connect(`postgres://postgres@127.0.0.1:${pg.port}/postgres`)).rejects.toThrow(/password/);
  });
});
