import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  Ensemble,
  ProcessExitedError,
  freePort,
  killProcessesUnder,
  startNatsServer,
  postgresServiceUser,
  startPostgresServer,
  type NatsAuthority,
  type NatsServerHandle,
  type PostgresServerHandle,
} from '@marshal/testing';
import { DatabaseUnusable, ensureDatabase } from './database';
import { acquireStateLock, releaseStateLock } from './state-lock';
import { cliEnv, letGroupThrough, loadTokens, postgresPasswordFile, secureStateDir } from './secrets';

/**
 * The launcher behind `npm start`: NATS and PostgreSQL (the ones at NATS_URL / DATABASE_URL, else our own under the
 * state folder), every service and three agents as local processes, the hello-world example installed, progress shown
 * until its deploy plan completes. State lives in .marshal/ (or --state-dir) so a restart keeps it; `--reset` wipes
 * it. One launcher per state folder: a lock file holds the owner's pid.
 */

const root = resolve(__dirname, '..', '..', '..');
const say = (m: string): void => void process.stdout.write(`marshal: ${m}\n`);
const LOCK = 'marshal.lock';
/** A path for messages: relative when under the current directory, else absolute. */
const shortPath = (p: string): string => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
};
const USAGE = 'usage: npm start [-- --reset] [-- --port 8080] [-- --state-dir .marshal]\n';

/** A failure the user can act on: printed as it is, without a stack trace. */
class LaunchError extends Error {}

interface Ports {
  nats?: number;
  postgres?: number;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise<boolean>((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
  });
}

/** The port used last time (it is only an address: the data does not depend on it), else the usual one, else any. */
async function portFor(saved: number | undefined, preferred: number): Promise<number> {
  if (saved && (await portIsFree(saved))) return saved;
  return (await portIsFree(preferred)) ? preferred : freePort();
}

function reachable(host: string, port: number, timeoutMs = 5_000): Promise<string | undefined> {
  return new Promise((r) => {
    const sock = connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      r(`no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      r(undefined);
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      r((e as NodeJS.ErrnoException).code ?? e.message);
    });
  });
}

/** The last lines of a service's log, indented, for the terminal: the cause is usually there. */
function logTail(file: string, lines = 15): string {
  if (!existsSync(file)) return `  (no log at ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd();
  if (!text) return '  (the log is empty)';
  const all = text.split('\n');
  return all
    .slice(-lines)
    .map((l) => `  | ${l.length > 400 ? l.slice(0, 400) + '…' : l}`)
    .join('\n');
}

function exitedMessage(e: ProcessExitedError): string {
  return `${e.processName} ${e.how}. Last lines of ${shortPath(e.logFile)}:\n${logTail(e.logFile)}`;
}

/**
 * The three agents all run on this machine, so what they advertise must reach it and they must not hand out the same
 * port twice: each is a loopback address of its own (127.0.0.1-3: on Linux all of 127/8 is this host, so endpoints
 * such as 127.0.0.2:13000 connect, and `hostname:UNIQUE` still sees three hosts) with a port range of its own.
 */
export const LOCAL_AGENTS = [
  { id: 'agent-1', zone: 'zone-a', cpus: 2, memoryMb: 4096, diskMb: 10_000, ports: '10000-12999', env: { AGENT_HOSTNAME: '127.0.0.1' } },
  { id: 'agent-2', zone: 'zone-b', cpus: 2, memoryMb: 4096, diskMb: 10_000, ports: '13000-15999', env: { AGENT_HOSTNAME: '127.0.0.2' } },
  { id: 'agent-3', zone: 'zone-c', cpus: 2, memoryMb: 4096, diskMb: 10_000, ports: '16000-18999', env: { AGENT_HOSTNAME: '127.0.0.3' } },
];

function cli(gateway: string, token: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(root, 'apps', 'cli', 'dist', 'main.js'), ...args], { encoding: 'utf8', env: cliEnv(gateway, token) });
}

async function planStatus(gateway: string, token: string): Promise<{ status?: string; phases?: { steps?: { status?: string }[] }[] } | undefined> {
  try {
    const res = await fetch(`${gateway}/v1/service/hello-world/plans/deploy`, { headers: { authorization: `Bearer ${token}` } });
    return res.status === 404 ? undefined : ((await res.json()) as { status?: string });
  } catch {
    // Not answering yet: the caller polls again, and its watcher reports a gateway that died.
    return undefined;
  }
}

interface Options {
  reset: boolean;
  port: number;
  stateDir: string;
}

function options(argv: string[]): Options | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { reset: { type: 'boolean' }, port: { type: 'string' }, 'state-dir': { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new LaunchError(`${(e as Error).message}\n${USAGE}`);
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return undefined;
  }
  const port = parsed.values.port === undefined ? 8080 : Number(parsed.values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LaunchError(`--port ${parsed.values.port}: expected a TCP port number (1-65535)`);
  return { reset: !!parsed.values.reset, port, stateDir: resolve(parsed.values['state-dir'] ?? join(root, '.marshal')) };
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  if (!o) return;
  const { stateDir } = o;
  const shown = shortPath(stateDir);
  secureStateDir(stateDir);

  // One launcher per state folder, taken before anything in it is touched (--reset included).
  const lockFile = join(stateDir, LOCK);
  const lock = acquireStateLock(lockFile, { pid: process.pid, startedAt: new Date().toISOString(), gateway: `http://127.0.0.1:${o.port}` });
  if (!lock.acquired) {
    throw new LaunchError(
      [
        `Marshal is already running on ${shown} (pid ${lock.owner.pid}, started ${lock.owner.startedAt}, gateway ${lock.owner.gateway}).`,
        `Stop it first (Ctrl-C in its terminal, or kill ${lock.owner.pid}), or start another one on its own state folder and port:`,
        `  npm start -- --state-dir <dir> --port <port>`,
      ].join('\n'),
    );
  }
  if (lock.stale) say(`taking over ${shown}/${LOCK} from pid ${lock.stale.pid}, which is no longer running`);

  let nats: NatsServerHandle | undefined;
  let pg: PostgresServerHandle | undefined;
  let ensemble: Ensemble | undefined;
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      say('stopping every service, agent and task…');
      await ensemble?.stop();
      await nats?.stop();
      await pg?.stop();
      releaseStateLock(lockFile, process.pid);
      if (code === 0) say('stopped. `npm start` continues where this left off; `npm start -- --reset` starts afresh.');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    if (o.reset) {
      say(`--reset: removing ${shown}/ (NATS store, database, agents, logs, tokens: new tokens will be generated)`);
      killProcessesUnder(join(stateDir, 'agents'));
      for (const entry of readdirSync(stateDir)) if (entry !== LOCK) rmSync(join(stateDir, entry), { recursive: true, force: true });
    }
    await run(o, (n) => (nats = n), (p) => (pg = p), (e) => (ensemble = e));
  } catch (e) {
    if (e instanceof ProcessExitedError) process.stderr.write(`marshal: ${exitedMessage(e)}\n`);
    else if (e instanceof LaunchError || e instanceof DatabaseUnusable) process.stderr.write(`marshal: ${e.message}\n`);
    else if (e instanceof Error && e.message.startsWith('gateway ready not reached')) {
      // Every process alive but the gateway never answered: its log says where it stands.
      const gatewayLog = join(stateDir, 'logs', 'gateway.log');
      process.stderr.write(`marshal: the gateway did not answer in time (${e.message}). Last lines of ${shortPath(gatewayLog)}:\n${logTail(gatewayLog)}\n`);
    } else {
      process.stderr.write(`marshal: ${e instanceof Error ? e.stack : String(e)}\n`);
    }
    await stop(1);
  }
  // Running: a service that exits from now on is reported with its log, and everything stops (exit code 1).
  const watch = setInterval(() => {
    try {
      ensemble?.assertAlive();
    } catch (e) {
      clearInterval(watch);
      process.stderr.write(`marshal: ${e instanceof ProcessExitedError ? exitedMessage(e) : String(e)}\n`);
      void stop(1);
    }
  }, 1_000);
}

async function run(
  o: Options,
  setNats: (n: NatsServerHandle) => void,
  setPg: (p: PostgresServerHandle) => void,
  setEnsemble: (e: Ensemble) => void,
): Promise<void> {
  const { stateDir } = o;
  const shown = shortPath(stateDir);
  const portsFile = join(stateDir, 'ports.json');
  const ports = existsSync(portsFile) ? (JSON.parse(readFileSync(portsFile, 'utf8')) as Ports) : {};
  if (!(await portIsFree(o.port))) {
    throw new LaunchError(`port ${o.port} of 127.0.0.1 is in use (another Marshal, or another program): choose another with npm start -- --port <port>`);
  }

  let natsUrl = process.env['NATS_URL'];
  // A NATS of the user's: the services use the NATS_* credentials of this environment.
  let natsAuth: NatsAuthority | 'env' = 'env';
  if (!natsUrl) {
    const port = await portFor(ports.nats, 4222);
    // Fresh keys each start: one per service and agent, permissions enforced by the server (docs/security.md).
    const nats = await startNatsServer({ port, storeDir: join(stateDir, 'nats'), auth: true, authDir: join(stateDir, 'nats-auth') });
    setNats(nats);
    natsAuth = nats.auth ?? 'env';
    natsUrl = nats.url;
    ports.nats = port;
    say(`NATS with JetStream on ${natsUrl} (store in ${shown}/nats, credentials in ${shown}/nats-auth)`);
  } else {
    const first = new URL(natsUrl.split(',')[0].trim().replace(/^nats:/, 'http:'));
    const why = await reachable(first.hostname, Number(first.port || 4222));
    if (why) throw new LaunchError(`cannot reach NATS at NATS_URL ${natsUrl.replace(/\/\/[^@/]*@/, '//***@')}: ${why}`);
    say(`using NATS at ${natsUrl.replace(/\/\/[^@/]*@/, '//***@')}`);
  }

  let databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    const port = await portFor(ports.postgres, 5433);
    const pgUser = postgresServiceUser();
    if (pgUser) letGroupThrough(stateDir, pgUser.gid);
    const pg = await startPostgresServer({ dataDir: join(stateDir, 'postgres'), port, passwordFile: postgresPasswordFile(stateDir) });
    setPg(pg);
    ports.postgres = port;
    const u = new URL(pg.url);
    u.pathname = '/marshal';
    databaseUrl = u.toString();
    await ensureDatabase(databaseUrl);
    say(`embedded PostgreSQL on 127.0.0.1:${port} (data in ${shown}/postgres, password in ${shortPath(pg.passwordFile)})`);
  } else {
    const made = await ensureDatabase(databaseUrl);
    say(`using PostgreSQL at ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}${made === 'created' ? ' (database created)' : ''}`);
  }
  writeFileSync(portsFile, JSON.stringify(ports, null, 2));

  const { tokens, made, file: tokensFile } = (() => {
    try {
      return loadTokens(stateDir);
    } catch (e) {
      throw new LaunchError((e as Error).message);
    }
  })();
  if (made) say(`new admin, operator and viewer tokens generated in ${shortPath(tokensFile)} (tokens of earlier runs no longer work)`);
  say(`starting the services and three agents (logs in ${shown}/logs/)…`);
  const ensemble = await Ensemble.start({
    tokens,
    root,
    natsUrl,
    natsAuth,
    databaseUrl,
    namespace: process.env['MARSHAL_NAMESPACE'] ?? 'marshal',
    stateDir,
    gatewayPort: o.port,
    // A loaded laptop can take a while; a service that exits is reported at once whatever this says.
    readyTimeoutMs: 180_000,
    agents: LOCAL_AGENTS,
    serviceEnv: { coordinator: { API_PORT: String(o.port) } },
  });
  setEnsemble(ensemble);
  const gateway = ensemble.gatewayUrl;

  const installed = (await (await fetch(`${gateway}/v1/services`, { headers: { authorization: `Bearer ${tokens.viewer}` } })).json()) as { name: string }[];
  if (!installed.some((s) => s.name === 'hello-world')) {
    say('installing examples/hello-world…');
    process.stdout.write(cli(gateway, tokens.admin, 'install', join(root, 'examples', 'hello-world')));
  }

  let last = '';
  let complete = false;
  const deadline = Date.now() + 120_000;
  for (;;) {
    ensemble.assertAlive();
    const plan = await planStatus(gateway, tokens.viewer);
    const steps = plan?.phases?.flatMap((p) => p.steps ?? []) ?? [];
    const line = plan ? `deploy ${plan.status}: ${steps.filter((s) => s.status === 'COMPLETE').length}/${steps.length} steps complete` : 'waiting for the deploy plan…';
    if (line !== last) say(line);
    last = line;
    complete = plan?.status === 'COMPLETE';
    if (complete || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  process.stdout.write('\n' + cli(gateway, tokens.viewer, '--name', 'hello-world', 'plan', 'status', 'deploy') + '\n');
  ensemble.assertAlive();
  if (!complete) say(`the deploy plan of hello-world did not complete within 2 minutes; the services keep working on it (logs in ${shown}/logs/)`);
  process.stdout.write(
    [
      `Marshal is running. Gateway: ${gateway}`,
      `Admin token (also in ${shown}/tokens.json with an operator and a viewer token):`,
      `  export MARSHAL_URL=${gateway} MARSHAL_TOKEN=${tokens.admin}`,
      '',
      `  curl -fsS -H "Authorization: Bearer $MARSHAL_TOKEN" ${gateway}/v1/service/hello-world/plans/deploy`,
      `  npx marshal --name hello-world plan status deploy`,
      `  npx marshal --name hello-world plan list`,
      '',
      `Task sandboxes are under ${shown}/agents/<agent>/sandboxes/, service logs under ${shown}/logs/.`,
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
}

void main().catch((e) => {
  process.stderr.write(`marshal: ${e instanceof LaunchError ? e.message : e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
