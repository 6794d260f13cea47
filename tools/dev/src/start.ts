import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import {
  Ensemble,
  freePort,
  killProcessesUnder,
  startNatsServer,
  startPostgresServer,
  type NatsServerHandle,
  type PostgresServerHandle,
} from '@marshal/testing';

/**
 * The launcher behind `npm start`: NATS and PostgreSQL (the ones at NATS_URL / DATABASE_URL, else our own under
 * .marshal/), every service and three agents as local processes, the hello-world example installed, progress shown
 * until its deploy plan completes. State lives in .marshal/ so a restart keeps it; `--reset` wipes it.
 */

const root = resolve(__dirname, '..', '..', '..');
const stateDir = join(root, '.marshal');
const say = (m: string): void => void process.stdout.write(`marshal: ${m}\n`);

interface Ports {
  nats?: number;
  postgres?: number;
}

function loadPorts(): Ports {
  const file = join(stateDir, 'ports.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Ports) : {};
}

async function portFor(saved: number | undefined, preferred: number): Promise<number> {
  if (saved) return saved;
  const { createServer } = await import('node:net');
  const free = await new Promise<boolean>((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(preferred, '127.0.0.1', () => s.close(() => r(true)));
  });
  return free ? preferred : freePort();
}

async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const c = new Client({ connectionString: serverUrl });
  await c.connect();
  try {
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

interface Tokens {
  admin: string;
  operator: string;
  viewer: string;
}

/** Tokens of the local gateway, kept in .marshal/tokens.json so they survive restarts. */
function loadTokens(): Tokens {
  const file = join(stateDir, 'tokens.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Tokens;
  const tokens = { admin: randomBytes(24).toString('hex'), operator: randomBytes(24).toString('hex'), viewer: randomBytes(24).toString('hex') };
  writeFileSync(file, JSON.stringify(tokens, null, 2), { mode: 0o600 });
  return tokens;
}

function cli(gateway: string, token: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(root, 'apps', 'cli', 'dist', 'main.js'), '--url', gateway, '--token', token, ...args], { encoding: 'utf8' });
}

async function planStatus(gateway: string, token: string): Promise<{ status?: string; phases?: { steps?: { status?: string }[] }[] } | undefined> {
  try {
    const res = await fetch(`${gateway}/v1/service/hello-world/plans/deploy`, { headers: { authorization: `Bearer ${token}` } });
    return res.status === 404 ? undefined : ((await res.json()) as { status?: string });
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    process.stdout.write('usage: npm start [-- --reset] [-- --port 8080]\n');
    return;
  }
  const portArg = args.indexOf('--port');
  const gatewayPort = portArg >= 0 ? Number(args[portArg + 1]) : 8080;
  if (args.includes('--reset') && existsSync(stateDir)) {
    say('--reset: removing .marshal/ (NATS store, database, agents, logs)');
    killProcessesUnder(join(stateDir, 'agents'));
    rmSync(stateDir, { recursive: true, force: true });
  }
  mkdirSync(stateDir, { recursive: true });
  const ports = loadPorts();

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
      if (code === 0) say('stopped. `npm start` continues where this left off; `npm start -- --reset` starts afresh.');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    await run(args, gatewayPort, ports, (n) => (nats = n), (p) => (pg = p), (e) => (ensemble = e));
  } catch (e) {
    process.stderr.write(`marshal: ${e instanceof Error ? e.stack : String(e)}\n`);
    await stop(1);
  }
}

async function run(
  args: string[],
  gatewayPort: number,
  ports: Ports,
  setNats: (n: NatsServerHandle) => void,
  setPg: (p: PostgresServerHandle) => void,
  setEnsemble: (e: Ensemble) => void,
): Promise<void> {
  void args;
  let natsUrl = process.env['NATS_URL'];
  if (!natsUrl) {
    const port = await portFor(ports.nats, 4222);
    const nats = await startNatsServer({ port, storeDir: join(stateDir, 'nats') });
    setNats(nats);
    natsUrl = nats.url;
    ports.nats = port;
    say(`NATS with JetStream on ${natsUrl} (store in .marshal/nats)`);
  } else {
    say(`using NATS at ${natsUrl}`);
  }

  let databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    const port = await portFor(ports.postgres, 5433);
    const pg = await startPostgresServer({ dataDir: join(stateDir, 'postgres'), port });
    setPg(pg);
    ports.postgres = port;
    databaseUrl = await ensureDatabase(pg.url, 'marshal');
    say(`embedded PostgreSQL on 127.0.0.1:${port} (data in .marshal/postgres)`);
  } else {
    say(`using PostgreSQL at ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
  }
  writeFileSync(join(stateDir, 'ports.json'), JSON.stringify(ports, null, 2));

  const tokens = loadTokens();
  say('starting the services and three agents (logs in .marshal/logs/)…');
  const ensemble = await Ensemble.start({
    tokens,
    root,
    natsUrl,
    databaseUrl,
    namespace: process.env['MARSHAL_NAMESPACE'] ?? 'marshal',
    stateDir,
    gatewayPort,
    agents: [
      { id: 'agent-1', zone: 'zone-a', cpus: 2, memoryMb: 4096, diskMb: 10_000 },
      { id: 'agent-2', zone: 'zone-b', cpus: 2, memoryMb: 4096, diskMb: 10_000 },
      { id: 'agent-3', zone: 'zone-c', cpus: 2, memoryMb: 4096, diskMb: 10_000 },
    ],
    serviceEnv: { coordinator: { API_PORT: String(gatewayPort) } },
  });
  setEnsemble(ensemble);
  const gateway = ensemble.gatewayUrl;

  const installed = (await (await fetch(`${gateway}/v1/services`, { headers: { authorization: `Bearer ${tokens.viewer}` } })).json()) as { name: string }[];
  if (!installed.some((s) => s.name === 'hello-world')) {
    say('installing examples/hello-world…');
    process.stdout.write(cli(gateway, tokens.admin, 'install', join(root, 'examples', 'hello-world')));
  }

  let last = '';
  const deadline = Date.now() + 120_000;
  for (;;) {
    const plan = await planStatus(gateway, tokens.viewer);
    const steps = plan?.phases?.flatMap((p) => p.steps ?? []) ?? [];
    const line = plan ? `deploy ${plan.status}: ${steps.filter((s) => s.status === 'COMPLETE').length}/${steps.length} steps complete` : 'waiting for the deploy plan…';
    if (line !== last) say(line);
    last = line;
    if (plan?.status === 'COMPLETE' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  process.stdout.write('\n' + cli(gateway, tokens.viewer, '--name', 'hello-world', 'plan', 'status', 'deploy') + '\n');
  process.stdout.write(
    [
      `Marshal is running. Gateway: ${gateway}`,
      `Admin token (also in .marshal/tokens.json with an operator and a viewer token):`,
      `  export MARSHAL_URL=${gateway} MARSHAL_TOKEN=${tokens.admin}`,
      '',
      `  curl -H "Authorization: Bearer $MARSHAL_TOKEN" ${gateway}/v1/plans/deploy`,
      `  npx marshal --name hello-world plan status deploy`,
      `  npx marshal --name hello-world plan list`,
      '',
      'Task sandboxes are under .marshal/agents/<agent>/sandboxes/, service logs under .marshal/logs/.',
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
}

void main().catch((e) => {
  process.stderr.write(`marshal: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
