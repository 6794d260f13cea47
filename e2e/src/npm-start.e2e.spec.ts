import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { eventually, freePort, startNatsServer, testServerUrl, type NatsServerHandle } from '@marshal/testing';
import { root } from './support';

const sh = promisify(execFile);

function writeOptions(options: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'marshal-options-')), 'options.json');
  writeFileSync(file, JSON.stringify(options));
  return file;
}

/** `npm start`'s launcher (what start.mjs hands over to after installing and building) as a user runs it. */
interface Launch {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function launch(args: string[], env: Record<string, string>): Launch {
  let out = '';
  const child = spawn(process.execPath, [join(root, 'tools', 'dev', 'dist', 'start.js'), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

async function exitsWithin(l: Launch, ms: number): Promise<number | null> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<'timeout'>((r) => (t = setTimeout(() => r('timeout'), ms)));
  const code = await Promise.race([l.exited, timer]);
  clearTimeout(t);
  if (code === 'timeout') {
    l.child.kill('SIGTERM');
    throw new Error(`still running after ${ms} ms:\n${l.out()}`);
  }
  return code;
}

function databaseUrl(name: string): string {
  const u = new URL(testServerUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

describe('npm start: one ensemble per state folder, failures said on the terminal', () => {
  let nats: NatsServerHandle;
  let first: Launch | undefined;
  const stateDir = mkdtempSync(join(tmpdir(), 'marshal-start-'));
  const dbName = `marshal_start_${Date.now().toString(36)}`;
  let port: number;
  let env: Record<string, string>;

  beforeAll(async () => {
    nats = await startNatsServer();
    port = await freePort();
    // A database that does not exist yet: the launcher creates it, as it does for the embedded server.
    env = { NATS_URL: nats.url, DATABASE_URL: databaseUrl(dbName), MARSHAL_NAMESPACE: `start-${Date.now().toString(36)}` };
  });
  afterAll(async () => {
    if (first && first.child.exitCode === null) {
      first.child.kill('SIGTERM');
      await first.exited;
    }
    await nats?.stop();
    const c = new Client({ connectionString: testServerUrl() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await c.end();
  });

  it('starts, creating the missing database, and says it runs only once the deploy completed', async () => {
    // A state folder others may enter (as an older launcher left it) is closed to them.
    chmodSync(stateDir, 0o755);
    first = launch(['--state-dir', stateDir, '--port', String(port)], env);
    const l = first;
    await eventually(
      () => {
        if (l.child.exitCode !== null) throw new Error(`exited ${l.child.exitCode}:\n${l.out()}`);
        if (!l.out().includes('Marshal is running.')) throw new Error(l.out());
      },
      { timeoutMs: 180_000, intervalMs: 500, what: 'Marshal is running' },
    );
    expect(l.out()).toContain('(database created)');
    expect(l.out()).toContain('deploy (serial strategy) (COMPLETE)');
    expect(JSON.parse(readFileSync(join(stateDir, 'marshal.lock'), 'utf8'))).toMatchObject({ pid: l.child.pid });
    // Nobody else may list or change the state folder; root's agents let task users pass through it (o+x) to their
    // sandboxes (docs/security.md).
    expect((statSync(stateDir).mode & 0o766).toString(8)).toBe('700');
    expect((statSync(join(stateDir, 'tokens.json')).mode & 0o777).toString(8)).toBe('600');
  }, 200_000);

  it('every command the banner suggests runs as printed', async () => {
    const out = first?.out() ?? '';
    const exported = /export MARSHAL_URL=(\S+) MARSHAL_TOKEN=(\S+)/.exec(out);
    expect(exported).not.toBeNull();
    const commands = out
      .split('\n')
      .filter((l) => /^ {2}(curl|npx marshal) /.test(l))
      .map((l) => l.trim());
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const command of commands) {
      const r = await sh('sh', ['-c', command], { cwd: root, env: { ...process.env, MARSHAL_URL: exported?.[1], MARSHAL_TOKEN: exported?.[2], MARSHAL_SERVICE: '' } }).then(
        () => 0,
        (e: { code: number; stderr: string }) => `${e.code}: ${e.stderr}`,
      );
      expect({ command, r }).toEqual({ command, r: 0 });
    }
  });

  it('endpoints advertise an address of this machine that connects (each agent a loopback address of its own)', async () => {
    const tokens = JSON.parse(readFileSync(join(stateDir, 'tokens.json'), 'utf8')) as { admin: string };
    const cli = (...args: string[]) =>
      sh(process.execPath, [join(root, 'apps', 'cli', 'dist', 'main.js'), '--url', `http://127.0.0.1:${port}`, ...args], {
        cwd: root,
        env: { ...process.env, MARSHAL_TOKEN: tokens.admin, MARSHAL_SERVICE: '' },
      });
    await cli('install', join(root, 'examples', 'hello-web'), '--options', writeOptions({ web: { count: 2, greeting: 'hi', placement: 'hostname:UNIQUE' } }), '--wait');
    const { stdout } = await cli('--name', 'hello-web', 'endpoints', 'http');
    const addresses = (JSON.parse(stdout) as { address: string[] }).address;
    expect(addresses).toHaveLength(2);
    for (const a of addresses) {
      expect(a).toMatch(/^127\.0\.0\.[1-3]:\d+$/);
      expect(await (await fetch(`http://${a}/`)).text()).toMatch(/^hi from web-[01]-server\n$/);
    }
  }, 120_000);

  it('a second launcher on the same state folder is refused at once and leaves the first alone', async () => {
    const tokens = JSON.parse(readFileSync(join(stateDir, 'tokens.json'), 'utf8')) as { viewer: string };
    const tasks = async (): Promise<string[]> => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/service/hello-world/pod/status`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
      const body = (await res.json()) as { pods: { instances: { tasks: { id: string; status: string }[] }[] }[] };
      return body.pods.flatMap((p) => p.instances.flatMap((i) => i.tasks.map((t) => `${t.id} ${t.status}`)));
    };
    const before = await tasks();
    expect(before).toEqual([expect.stringMatching(/ RUNNING$/)]);

    const second = launch(['--state-dir', stateDir, '--port', String(await freePort())], env);
    expect(await exitsWithin(second, 15_000)).toBe(1);
    expect(second.out()).toContain(`Marshal is already running on ${stateDir} (pid ${first?.child.pid}`);
    expect(second.out()).not.toContain('Marshal is running.');

    // The same through start.mjs, before it installs or builds anything.
    const viaNpm = spawn(process.execPath, [join(root, 'tools', 'dev', 'start.mjs'), '--state-dir', stateDir], { cwd: root, env: { ...process.env, ...env } });
    let npmOut = '';
    viaNpm.stderr.on('data', (d: Buffer) => (npmOut += d.toString()));
    expect(await new Promise((r) => viaNpm.once('exit', r))).toBe(1);
    expect(npmOut).toContain(`Marshal is already running on ${stateDir} (pid ${first?.child.pid}`);

    // An agent claiming a live agent's id on its work dir is refused too, before it registers.
    const agent = spawn(process.execPath, [join(root, 'apps', 'agent', 'dist', 'main.js'), '--id', 'agent-1', '--work-dir', join(stateDir, 'agents')], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let agentOut = '';
    agent.stderr.on('data', (d: Buffer) => (agentOut += d.toString()));
    expect(await new Promise((r) => agent.once('exit', r))).toBe(1);
    expect(agentOut).toContain(`agent agent-1 is already running on ${join(stateDir, 'agents', 'agent-1')}`);

    expect(first?.child.exitCode).toBeNull();
    expect(await tasks()).toEqual(before);
  });

  it('a busy gateway port is refused at once, naming the port', async () => {
    const other = launch(['--state-dir', mkdtempSync(join(tmpdir(), 'marshal-start-')), '--port', String(port)], env);
    expect(await exitsWithin(other, 15_000)).toBe(1);
    expect(other.out()).toContain(`port ${port} of 127.0.0.1 is in use`);
  });

  it('an unreachable database fails at once with its cause (password hidden); a stale lock is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marshal-start-'));
    mkdirSync(dir, { recursive: true });
    // pid 2^22 + 1 is above Linux's pid_max: never a live process.
    writeFileSync(join(dir, 'marshal.lock'), JSON.stringify({ pid: 4_194_305, startedAt: '2026-01-01T00:00:00.000Z', gateway: 'http://127.0.0.1:1' }));
    const dead = await freePort();
    const l = launch(['--state-dir', dir, '--port', String(await freePort())], { ...env, DATABASE_URL: `postgres://marshal:hunter2@127.0.0.1:${dead}/marshal` });
    expect(await exitsWithin(l, 15_000)).toBe(1);
    expect(l.out()).toContain('taking over');
    expect(l.out()).toContain('from pid 4194305, which is no longer running');
    expect(l.out()).toMatch(new RegExp(`cannot use PostgreSQL at postgres://marshal:\\*\\*\\*@127.0.0.1:${dead}/marshal: .*ECONNREFUSED`));
    expect(l.out()).not.toContain('hunter2');
    expect(l.out()).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(dir, 'marshal.lock'))).toBe(false);
  });

  it('a service that exits while starting is named, with the last lines of its log, and nothing is left running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marshal-start-'));
    const l = launch(['--state-dir', dir, '--port', String(await freePort())], { ...env, READ_WAIT_MS: 'soon' });
    // As soon as the gateway has read its settings (a loaded machine takes a while to boot eight Node processes).
    expect(await exitsWithin(l, 150_000)).toBe(1);
    expect(l.out()).toContain('gateway exited with code 1. Last lines of');
    expect(l.out()).toMatch(/\| .*READ_WAIT_MS/);
    expect(l.out()).not.toContain('Marshal is running.');
  }, 180_000);

  it('stops on SIGTERM and releases the state folder', async () => {
    first?.child.kill('SIGTERM');
    expect(await first?.exited).toBe(0);
    expect(first?.out()).toContain('stopped.');
    expect(existsSync(join(stateDir, 'marshal.lock'))).toBe(false);
  });
});
