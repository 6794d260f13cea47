import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  nkeys,
  PermissionViolationError,
  type Authenticator,
  type NatsConnection,
  type TlsOptions,
} from '@nats-io/transport-node';
import { Counter, register, type Registry } from 'prom-client';
import type { Logger } from './logger';
import { silentLogger } from './logger';
import { inboxPrefixFor } from '@marshal/contracts';

/** How a connection proves who it is; at most one of user/password, nkey seed or creds file. */
export interface NatsAuth {
  user?: string;
  password?: string;
  /** An nkey seed (`SU…`). */
  nkeySeed?: string;
  /** A decentralised-auth creds file (JWT + seed). */
  credsFile?: string;
  /** PEM files; any of them turns TLS on. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export interface NatsConnectOptions {
  servers: string | string[];
  /** Shown by the server's monitoring; the service name. */
  name: string;
  /** How long to wait between reconnect attempts. */
  reconnectTimeWaitMs?: number;
  auth?: NatsAuth;
  /** Where the permission-violation counter is registered (default: prom-client's global registry). */
  registry?: Registry;
}

/** Counter of operations nats-server refused this process (publish or subscribe outside its permissions). */
export const PERMISSION_VIOLATIONS_METRIC = 'marshal_nats_permission_violations_total';

function violationsCounter(registry: Registry): Counter<'operation'> {
  const existing = registry.getSingleMetric(PERMISSION_VIOLATIONS_METRIC);
  if (existing) return existing as Counter<'operation'>;
  return new Counter({
    name: PERMISSION_VIOLATIONS_METRIC,
    help: 'Publishes and subscriptions nats-server refused this process for lack of permission',
    labelNames: ['operation'],
    registers: [registry],
  });
}

/** The NATS settings every service reads (libs/runtime CommonConfig). */
export interface NatsSettings {
  NATS_URL: string;
  NATS_USER?: string;
  NATS_PASSWORD?: string;
  NATS_NKEY_SEED?: string;
  NATS_NKEY_SEED_FILE?: string;
  NATS_CREDS?: string;
  NATS_TLS_CA?: string;
  NATS_TLS_CERT?: string;
  NATS_TLS_KEY?: string;
}

/** A bad combination of NATS settings; `problems` name each variable at fault. */
export class NatsSettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid NATS settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'NatsSettingsError';
  }
}

/**
 * Turns the settings into servers and credentials. A user and password written in `NATS_URL` are honoured (decoded,
 * and taken out of the server list, so a numeric password can never be read as a port); settings that contradict
 * each other are refused, never one silently preferred.
 */
export function resolveNatsSettings(s: NatsSettings): { servers: string[]; auth: NatsAuth } {
  const problems: string[] = [];
  const servers: string[] = [];
  const fromUrl = new Set<string>();
  let urlUser: string | undefined;
  let urlPassword: string | undefined;
  for (const raw of s.NATS_URL.split(',').map((x) => x.trim())) {
    if (raw === '') {
      problems.push(`NATS_URL=${JSON.stringify(s.NATS_URL)}: an empty server in the list`);
      continue;
    }
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `nats://${raw}`;
    let u: URL;
    try {
      u = new URL(withScheme);
    } catch {
      problems.push(`NATS_URL: '${raw.replace(/\/\/[^@/]*@/, '//***@')}' is not a server URL (nats://host:port)`);
      continue;
    }
    if (u.username || u.password) {
      urlUser = decodeURIComponent(u.username);
      urlPassword = decodeURIComponent(u.password);
      fromUrl.add(`${urlUser}\0${urlPassword}`);
      u.username = '';
      u.password = '';
    }
    if (u.port !== '' && !/^\d+$/.test(u.port)) problems.push(`NATS_URL: port '${u.port}' of ${u.hostname} is not a number`);
    servers.push(`${u.protocol}//${u.host}`);
  }
  if (fromUrl.size > 1) problems.push('NATS_URL: the servers carry different users or passwords; give one user (NATS_USER, NATS_PASSWORD)');
  if (urlUser !== undefined && urlUser === '') problems.push('NATS_URL: a password without a user name');
  if (urlUser !== undefined && (s.NATS_USER || s.NATS_PASSWORD)) {
    problems.push('NATS_URL carries a user and NATS_USER/NATS_PASSWORD are set too: give the credentials once');
  }
  const user = urlUser ?? (s.NATS_USER || undefined);
  const password = urlPassword ?? (s.NATS_PASSWORD || undefined);
  if (s.NATS_PASSWORD && !s.NATS_USER && urlUser === undefined) problems.push('NATS_PASSWORD is set without NATS_USER');
  if (s.NATS_USER && !s.NATS_PASSWORD) problems.push('NATS_USER is set without NATS_PASSWORD');

  let nkeySeed: string | undefined;
  if (s.NATS_NKEY_SEED && s.NATS_NKEY_SEED_FILE) problems.push('NATS_NKEY_SEED and NATS_NKEY_SEED_FILE are both set: give one');
  if (s.NATS_NKEY_SEED_FILE) {
    try {
      nkeySeed = readFileSync(s.NATS_NKEY_SEED_FILE, 'utf8').trim();
    } catch (e) {
      problems.push(`NATS_NKEY_SEED_FILE=${s.NATS_NKEY_SEED_FILE}: cannot read it (${(e as Error).message})`);
    }
  } else if (s.NATS_NKEY_SEED) {
    nkeySeed = s.NATS_NKEY_SEED.trim();
  }
  if (nkeySeed !== undefined) {
    try {
      nkeys.fromSeed(new TextEncoder().encode(nkeySeed)).getPublicKey();
    } catch (e) {
      problems.push(`${s.NATS_NKEY_SEED_FILE ? 'NATS_NKEY_SEED_FILE' : 'NATS_NKEY_SEED'}: not an nkey seed (${(e as Error).message})`);
    }
  }
  if (s.NATS_CREDS) {
    try {
      readFileSync(s.NATS_CREDS);
    } catch (e) {
      problems.push(`NATS_CREDS=${s.NATS_CREDS}: cannot read it (${(e as Error).message})`);
    }
  }
  const kinds = [user !== undefined ? 'a user and password' : '', nkeySeed !== undefined ? 'an nkey seed' : '', s.NATS_CREDS ? 'a creds file' : ''].filter(Boolean);
  if (kinds.length > 1) problems.push(`NATS credentials given more than one way (${kinds.join(', ')}): give one`);

  const tls: NatsAuth['tls'] = {};
  for (const [key, field] of [
    ['NATS_TLS_CA', 'caFile'],
    ['NATS_TLS_CERT', 'certFile'],
    ['NATS_TLS_KEY', 'keyFile'],
  ] as const) {
    const file = s[key];
    if (!file) continue;
    try {
      readFileSync(file);
      tls[field] = file;
    } catch (e) {
      problems.push(`${key}=${file}: cannot read it (${(e as Error).message})`);
    }
  }
  if (!!s.NATS_TLS_CERT !== !!s.NATS_TLS_KEY) problems.push('NATS_TLS_CERT and NATS_TLS_KEY go together: give both or neither');
  if (problems.length > 0) throw new NatsSettingsError(problems);
  return {
    servers,
    auth: {
      ...(user !== undefined ? { user, password } : {}),
      ...(nkeySeed !== undefined ? { nkeySeed } : {}),
      ...(s.NATS_CREDS ? { credsFile: s.NATS_CREDS } : {}),
      ...(Object.keys(tls).length > 0 ? { tls } : {}),
    },
  };
}

/** The public key of the seed in a creds file (the block after `-----BEGIN USER NKEY SEED-----`). */
function credsPublicKey(file: string): string | undefined {
  const m = /-{3,}BEGIN USER NKEY SEED-{3,}\s+(\S+)/.exec(readFileSync(file, 'utf8'));
  return m ? nkeys.fromSeed(new TextEncoder().encode(m[1])).getPublicKey() : undefined;
}

/** What nats.js needs for these credentials, with the private inbox prefix the generated permissions expect. */
function authOptions(auth: NatsAuth | undefined): { authenticator?: Authenticator; user?: string; pass?: string; inboxPrefix?: string; tls?: TlsOptions } {
  if (!auth) return {};
  const tls = auth.tls ? { tls: { caFile: auth.tls.caFile, certFile: auth.tls.certFile, keyFile: auth.tls.keyFile } } : {};
  if (auth.nkeySeed !== undefined) {
    const seed = new TextEncoder().encode(auth.nkeySeed);
    const publicKey = nkeys.fromSeed(seed).getPublicKey();
    return { authenticator: nkeyAuthenticator(seed), inboxPrefix: inboxPrefixFor(publicKey), ...tls };
  }
  if (auth.credsFile) {
    const publicKey = credsPublicKey(auth.credsFile);
    return { authenticator: credsAuthenticator(readFileSync(auth.credsFile)), ...(publicKey ? { inboxPrefix: inboxPrefixFor(publicKey) } : {}), ...tls };
  }
  if (auth.user !== undefined) return { user: auth.user, pass: auth.password ?? '', inboxPrefix: inboxPrefixFor(auth.user), ...tls };
  return tls;
}

/** Connection options for a tool or test that connects with nats.js directly (same credentials and inbox prefix). */
export function natsClientOptions(servers: string | string[], auth?: NatsAuth): { servers: string | string[] } & ReturnType<typeof authOptions> {
  return { servers, ...authOptions(auth) };
}

/**
 * Connects to NATS and keeps reconnecting forever (nats.js gives up after 10 attempts by default and services must
 * not; toolchain §4). A service may start before NATS: the first connection is retried too. Whatever nats-server
 * refuses for lack of permission is logged as an error and counted (`marshal_nats_permission_violations_total`).
 */
export async function connectNats(opts: NatsConnectOptions, log: Logger = silentLogger): Promise<NatsConnection> {
  const nc = await connect({
    servers: opts.servers,
    name: opts.name,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: opts.reconnectTimeWaitMs ?? 500,
    pingInterval: 5_000,
    maxPingOut: 3,
    ...authOptions(opts.auth),
  });
  log.info({ server: nc.getServer() }, 'connected to NATS');
  const violations = violationsCounter(opts.registry ?? register);
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error' && s.error instanceof PermissionViolationError) {
        violations.inc({ operation: s.error.operation });
        log.error({ nats: 'permission', operation: s.error.operation, subject: s.error.subject }, `NATS refused ${s.error.operation} on ${s.error.subject}: permissions violation`);
      } else if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        log.warn({ nats: s.type, server: 'server' in s ? s.server : undefined }, `NATS ${s.type}`);
      }
    }
  })();
  return nc;
}
