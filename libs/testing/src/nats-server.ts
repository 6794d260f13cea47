import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, nkeyAuthenticator, nkeys, type Authenticator } from '@nats-io/transport-node';
import { inboxPrefixFor, renderAuthorization, subjectsFor, type NatsIdentity } from '@marshal/contracts';
import { freePort, waitForPort } from './free-port';

/** nats.js options to connect as one identity of the server (or anonymously to a server without auth). */
export interface NatsClientOptions {
  servers: string;
  authenticator?: Authenticator;
  inboxPrefix?: string;
}

/** The credentials of a server started with `auth`: nkeys per identity, permissions per namespace. */
export interface NatsAuthority {
  /** Holds `<name>.nk` seeds (0600) and `auth.conf`; the directory is 0700. */
  readonly dir: string;
  /** The server's log: permissions violations are written there. */
  readonly logFile: string;
  /** Gives these identities (new keys for new names) rights in these namespaces, and reloads the server. */
  authorize(identities: NatsIdentity[], namespaces: string[]): Promise<void>;
  seedFile(name: string): string;
}

export interface NatsServerHandle {
  url: string;
  port: number;
  storeDir: string;
  /** Present when the server requires credentials (`auth: true`). */
  auth?: NatsAuthority;
  /** How to connect as an identity (default `admin`, which may do anything); anonymous without auth. */
  clientOptions(identity?: string): NatsClientOptions;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store (after kill or stop). */
  start(): Promise<void>;
  /** Stops it, and deletes its store unless the caller chose the store directory. */
  stop(): Promise<void>;
}

/**
 * Starts a `nats-server -js` of the test's own on a free loopback port with a throw-away store. With `auth` it takes
 * only nkey identities (an `admin` one at first, more through `auth.authorize`), each with the permissions of its role.
 */
export async function startNatsServer(
  opts: {
    port?: number;
    storeDir?: string;
    binary?: string;
    /** Bytes per message (server default 1 MiB). */
    maxPayload?: number;
    /** Require credentials and enforce each role's permissions (what an ensemble runs with). */
    auth?: boolean;
    /** Where the credentials and the server log go (made 0700; default: a throw-away directory). Fresh keys each start. */
    authDir?: string;
  } = {},
): Promise<NatsServerHandle> {
  const port = opts.port ?? (await freePort());
  const url = `nats://127.0.0.1:${port}`;
  const ownStore = !opts.storeDir;
  const storeDir = opts.storeDir ?? mkdtempSync(join(tmpdir(), 'marshal-nats-'));
  const binary = opts.binary ?? process.env['NATS_SERVER_BIN'] ?? 'nats-server';
  let child: ChildProcess | undefined;
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
  // A throw-away config directory is deleted at stop; one the caller chose (authDir) is kept.
  let confDir: string | undefined;
  let authority: (NatsAuthority & { admin: Uint8Array }) | undefined;
  if (opts.maxPayload !== undefined || opts.auth) {
    // max_payload and authorization have no command-line flags; a config file holding only them leaves every other default alone.
    const dir = opts.authDir ?? mkdtempSync(join(tmpdir(), 'marshal-nats-conf-'));
    if (!opts.authDir) confDir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    // JetStream in the file too: a reload (SIGHUP, new credentials) re-reads the file alone and would turn it off.
    const lines = [`jetstream { store_dir: ${JSON.stringify(storeDir)} }`];
    if (opts.maxPayload !== undefined) lines.push(`max_payload: ${opts.maxPayload}`);
    if (opts.auth) {
      authority = createAuthority(dir, () => child, () => url);
      // nats-server resolves an include relative to the including file.
      lines.push('include "auth.conf"');
      args.push('-l', authority.logFile);
    }
    writeFileSync(join(dir, 'nats.conf'), lines.join('\n') + '\n', { mode: 0o600 });
    args.splice(args.indexOf('-js'), 3, '-c', join(dir, 'nats.conf'));
  }

  const start = async (): Promise<void> => {
    child = spawn(binary, args, { stdio: 'ignore' });
    const spawned = child;
    const exited = new Promise<never>((_, reject) =>
      spawned.once('exit', (code) => reject(new Error(`nats-server exited with code ${code} before accepting connections`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port), exited]);
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
  const auth = authority;
  return {
    url,
    port,
    storeDir,
    ...(auth ? { auth } : {}),
    clientOptions(identity = 'admin') {
      if (!auth) return { servers: url };
      const seed = identity === 'admin' ? auth.admin : new TextEncoder().encode(readSeed(auth.seedFile(identity)));
      return { servers: url, authenticator: nkeyAuthenticator(seed), inboxPrefix: inboxPrefixFor(nkeys.fromSeed(seed).getPublicKey()) };
    },
    kill: () => terminate('SIGKILL'),
    start,
    stop: async () => {
      await terminate('SIGTERM');
      if (ownStore) rmSync(storeDir, { recursive: true, force: true });
      if (confDir) rmSync(confDir, { recursive: true, force: true });
    },
  };
}

interface KeyedIdentity {
  identity: NatsIdentity;
  publicKey: string;
  seedFile: string;
}

function readSeed(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

function writeIdentity(dir: string, identity: NatsIdentity): KeyedIdentity & { seed: Uint8Array } {
  const kp = nkeys.createUser();
  const seedFile = join(dir, `${identity.name}.nk`);
  writeFileSync(seedFile, new TextDecoder().decode(kp.getSeed()) + '\n', { mode: 0o600 });
  return { identity, publicKey: kp.getPublicKey(), seedFile, seed: kp.getSeed() };
}

/** The server's credentials: an admin identity from the start, the ensemble's added by `authorize` (SIGHUP reload). */
function createAuthority(dir: string, child: () => ChildProcess | undefined, url: () => string): NatsAuthority & { admin: Uint8Array } {
  const keyed = new Map<string, KeyedIdentity>();
  const namespaces = new Set<string>();
  const admin = writeIdentity(dir, { name: 'admin', role: 'admin' });
  keyed.set('admin', admin);
  const write = (): void => {
    writeFileSync(
      join(dir, 'auth.conf'),
      renderAuthorization([...keyed.values()], [...namespaces].map((n) => subjectsFor(n))),
      { mode: 0o600 },
    );
  };
  write();
  return {
    dir,
    logFile: join(dir, 'nats-server.log'),
    admin: admin.seed,
    seedFile(name) {
      const k = keyed.get(name);
      if (!k) throw new Error(`no NATS identity '${name}' (have ${[...keyed.keys()].join(', ')})`);
      return k.seedFile;
    },
    async authorize(identities, more) {
      const added: (KeyedIdentity & { seed: Uint8Array })[] = [];
      for (const i of identities) {
        if (keyed.has(i.name)) continue;
        const k = writeIdentity(dir, i);
        keyed.set(i.name, k);
        added.push(k);
      }
      for (const n of more) namespaces.add(n);
      write();
      const c = child();
      if (!c || c.exitCode !== null || c.signalCode !== null) return; // read at the next start
      c.kill('SIGHUP');
      // The reload is done when an identity it added (or the admin) can connect and its new rights hold.
      const probe = added[0]?.seed ?? admin.seed;
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          const nc = await connect({ servers: url(), authenticator: nkeyAuthenticator(probe), timeout: 1_000, reconnect: false });
          await nc.close();
          return;
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`nats-server did not take the new credentials: ${(e as Error).message}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
  };
}
