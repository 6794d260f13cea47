import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { eventually } from '@marshal/testing';
import {
  composeSkipReason,
  containerStates,
  copyCheckout,
  ensureDocker,
  freePortBlocks,
  gatedPackage,
  readText,
  readmeDockerSection,
  run,
  type Run,
} from './compose-support';
import { root, type PlanBody } from './support';

interface ComposeService {
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  build?: unknown;
  image?: string;
  ports?: string[];
  healthcheck?: { test?: string[] };
  profiles?: string[];
}

const composeFile = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const readme = readmeDockerSection(readFileSync(join(root, 'README.md'), 'utf8'));

/** The operations the live test performs, each exactly as README's "Running it" block writes it. */
const OPS = {
  ps: ['ps'],
  scale: ['up', '-d', '--scale', 'offer-evaluator=3'],
  restart: ['restart', 'plan-manager', 'coordinator'],
  kill: ['kill', 'agent-2'],
  back: ['up', '-d', 'agent-2'],
  down: ['down'],
  up: ['up', '-d'],
  downVolumes: ['down', '-v'],
};

function describeConfig(app: string): string[] {
  const out = execFileSync(process.execPath, [join(root, 'apps', app, 'dist', 'main.js'), '--describe-config'], { encoding: 'utf8' });
  return (JSON.parse(out) as { variables: { name: string }[] }).variables.map((v) => v.name);
}

/** docker-compose.yml must not drift from the code: every app has a service, and every variable is one the app reads. */
describe('docker-compose.yml', () => {
  // Not services: the CLI, and the web console (static files the gateway serves).
  const apps = readdirSync(join(root, 'apps')).filter((a) => a !== 'cli' && a !== 'console');
  const marshalServices = Object.entries(composeFile.services).filter(([, s]) => s.command?.some((c) => c.startsWith('apps/')));

  it.each(apps)('runs %s and sets only variables it reads', (app) => {
    const services = Object.entries(composeFile.services).filter(([, s]) => s.command?.includes(`apps/${app}/dist/main.js`));
    expect(services.length).toBeGreaterThan(0);
    const known = new Set(describeConfig(app));
    for (const [name, s] of services) {
      const unknown = Object.keys(s.environment ?? {}).filter((k) => !known.has(k));
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
    }
  });

  it('runs three agents in different zones, and builds one image for all services and the CLI', () => {
    const agents = Object.values(composeFile.services).filter((s) => s.command?.includes('apps/agent/dist/main.js'));
    expect(new Set(agents.map((a) => a.environment?.['AGENT_ZONE'])).size).toBe(3);
    const images = new Set([...marshalServices.map(([, s]) => s.image), composeFile.services['cli']?.image]);
    expect([...images]).toEqual(['${MARSHAL_IMAGE:-marshal:latest}']);
    expect(marshalServices.filter(([, s]) => s.build).map(([n]) => n)).toHaveLength(1);
  });

  it('has a healthcheck on every long-running service, and publishes ports only on MARSHAL_BIND (default 127.0.0.1)', () => {
    const unchecked = Object.entries(composeFile.services).filter(([, s]) => !s.profiles?.includes('cli') && !s.healthcheck?.test?.length);
    expect(unchecked.map(([n]) => n)).toEqual([]);
    const ports = Object.values(composeFile.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const p of ports) expect(p).toMatch(/^\$\{MARSHAL_BIND:-127\.0\.0\.1\}:/);
  });

  it('documents in README every operation the live test performs', () => {
    for (const args of Object.values(OPS)) expect(readme.commands).toContain(`docker-compose ${args.join(' ')}`);
    expect(readme.runBlocks.length).toBeGreaterThan(0);
  });

  const composeBin = ['docker-compose', 'docker'].find((bin) => spawnSync(bin, bin === 'docker' ? ['compose', 'version'] : ['version']).status === 0);
  (composeBin ? it : it.skip)('passes `docker-compose config` with a password, and names POSTGRES_PASSWORD without one', () => {
    // An empty env file: a developer's own .env would answer for the password.
    const emptyEnv = join(mkdtempSync(join(tmpdir(), 'marshal-compose-config-')), 'empty.env');
    writeFileSync(emptyEnv, '');
    const common = ['--env-file', emptyEnv, '-f', 'docker-compose.yml', 'config', '-q'];
    const args = composeBin === 'docker' ? ['compose', ...common] : common;
    const env: NodeJS.ProcessEnv = { ...process.env, COMPOSE_PROJECT_NAME: 'marshal-static' };
    delete env['POSTGRES_PASSWORD'];
    // Nothing secret in the file: without the password the file is refused, naming the variable.
    const without = spawnSync(composeBin as string, args, { cwd: root, env, encoding: 'utf8' });
    expect(without.status).not.toBe(0);
    expect(without.stderr).toContain('POSTGRES_PASSWORD');
    const r = spawnSync(composeBin as string, args, { cwd: root, env: { ...env, POSTGRES_PASSWORD: 'static0check' }, encoding: 'utf8' });
    rmSync(dirname(emptyEnv), { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

const skipReason = composeSkipReason();
if (skipReason) process.stdout.write(`compose e2e skipped: ${skipReason}\n`);

/**
 * The deployment for real: README's sequence in a copy of the checkout (build, up, hello-world and hello-web
 * installed with the CLI container, the host CLI), then an agent killed, plan-manager and coordinator restarted in
 * the middle of an update, the evaluators scaled, and the whole ensemble taken down and up again. Base images are
 * built locally (tools/docker/build-base-images.sh), so no registry but npm's is needed.
 */
(skipReason ? describe.skip : describe)('docker-compose deployment', () => {
  const begun = Date.now();
  const timings: string[] = [];
  const step = (name: string, since: number): void => void timings.push(`${name} ${((Date.now() - since) / 1000).toFixed(0)}s`);
  let dir = '';
  let log = '';
  const project = `marshal-e2e-${Date.now().toString(36)}`;
  const env: NodeJS.ProcessEnv = { ...process.env, COMPOSE_PROJECT_NAME: project, MARSHAL_BIND: '127.0.0.1', MARSHAL_IMAGE: 'marshal-e2e:latest' };
  // The host's CLI settings must not leak into README's commands.
  for (const k of ['MARSHAL_URL', 'MARSHAL_TOKEN', 'MARSHAL_SERVICE', 'POSTGRES_PASSWORD', 'MARSHAL_TOKENS']) delete env[k];
  let gateway = '';
  let token = '';
  let started = 0;
  let passed = 0;

  const compose = (args: string[], timeoutMs = 300_000): Promise<Run> => run('docker-compose', args, { cwd: dir, env, log, timeoutMs });
  const ok = async (args: string[], timeoutMs?: number): Promise<string> => {
    const r = await compose(args, timeoutMs);
    if (r.code !== 0) throw new Error(`docker-compose ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-2000)}`);
    return r.stdout;
  };
  const cli = (...args: string[]): Promise<Run> =>
    // The token travels in the environment: a command line is readable by every user (ps).
    run(process.execPath, [join(root, 'apps', 'cli', 'bin', 'marshal.js'), '--url', gateway, ...args], { cwd: dir, env: { ...env, MARSHAL_TOKEN: token }, log });
  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${gateway}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as T };
  };
  const plan = async (service: string, name = 'deploy'): Promise<PlanBody> => (await get<PlanBody>(`/v1/service/${service}/plans/${name}`)).body;
  const waitForPlan = (service: string, name = 'deploy', timeoutMs = 180_000): Promise<PlanBody> =>
    eventually(
      async () => {
        const p = await plan(service, name);
        if (p.status !== 'COMPLETE') throw new Error(`${service} ${name} is ${p.status}: ${JSON.stringify(p.phases?.flatMap((f) => f.steps.map((s) => `${s.name}=${s.status}`)))}`);
        return p;
      },
      { timeoutMs, intervalMs: 1_000, what: `${service} ${name} COMPLETE` },
    );
  const waitHealthy = (expected: Record<string, number>, timeoutMs = 240_000): Promise<void> =>
    eventually(
      async () => {
        const states = containerStates(project);
        const bad = states.filter((s) => s.state !== 'running' || (s.health !== '' && s.health !== 'healthy'));
        if (bad.length) throw new Error(`not healthy: ${bad.map((s) => `${s.name} ${s.state} ${s.health}`).join(', ')}`);
        const counts: Record<string, number> = {};
        for (const s of states) counts[s.service] = (counts[s.service] ?? 0) + 1;
        expect(counts).toEqual(expected);
      },
      { timeoutMs, intervalMs: 3_000, what: 'every container running and healthy' },
    );
  const everyService = (evaluators = 1): Record<string, number> => ({
    nats: 1,
    postgres: 1,
    'state-projector': 1,
    'spec-renderer': 1,
    'plan-manager': 1,
    'offer-evaluator': evaluators,
    coordinator: 1,
    gateway: 1,
    'agent-1': 1,
    'agent-2': 1,
    'agent-3': 1,
  });
  const inAgent = async (agent: string, script: string): Promise<string> => ok(['exec', '-T', agent, 'sh', '-c', script]);
  const curl = (url: string): Run => {
    const r = spawnSync('curl', ['-s', '--max-time', '5', url], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const taskEvents = async (service: string, agent: string): Promise<{ data: { taskId: string; taskName: string; state: string } }[]> =>
    (await get<{ events: { data: { taskId: string; taskName: string; state: string } }[] }>(`/v1/events?service=${service}&agent=${agent}&type=TaskStatusUpdated&limit=1000`)).body.events;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'marshal-compose-'));
    log = join(dir, 'compose-e2e.log');
    let t = Date.now();
    await ensureDocker('/var/log/marshal-dockerd.log');
    step('docker ready', t);
    t = Date.now();
    const base = await run(join(root, 'tools', 'docker', 'build-base-images.sh'), [], { cwd: root, env: process.env, log, timeoutMs: 900_000 });
    if (base.code !== 0) throw new Error(`build-base-images.sh failed (log ${log}): ${base.stderr.slice(-3000)}`);
    for (const line of base.stdout.split('\n')) {
      const m = /^(NODE_IMAGE|NATS_IMAGE|POSTGRES_IMAGE)=(\S+)$/.exec(line.trim());
      if (m) env[m[1]] = m[2];
    }
    step('base images', t);
    const registry = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).stdout.trim();
    if (registry) env['NPM_REGISTRY'] = registry;
    // A user's checkout: README's commands write .env there, and `npx marshal` finds this checkout's built CLI.
    copyCheckout(root, dir);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const [gatewayPort] = await freePortBlocks(18_080, 1, 1);
    const ranges = await freePortBlocks(18_100, 10, 3);
    env['GATEWAY_PORT'] = String(gatewayPort);
    ranges.forEach((b, i) => (env[`AGENT_${i + 1}_PORTS`] = `${b}-${b + 9}`));
    gateway = `http://127.0.0.1:${gatewayPort}`;
  }, 1_800_000);

  afterAll(async () => {
    const failed = passed < started;
    if (failed) await compose(['logs', '--no-color', '--tail=300'], 120_000);
    // Always, even after a failure: nothing of the test stays on the machine but the image cache.
    const t = Date.now();
    const down = await compose(OPS.downVolumes, 300_000);
    step('down -v', t);
    const left = spawnSync('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`], { encoding: 'utf8' }).stdout.trim();
    if (left) spawnSync('docker', ['rm', '-f', ...left.split('\n')]);
    // Images earlier builds left untagged (the image this run's build replaced, stages of older builds): without this
    // every run would leave a gigabyte behind. This run's own stages stay, the layer cache of the next build.
    const stale = spawnSync('docker', ['images', '-q', '--filter', 'dangling=true', '--filter', 'label=org.marshal.stage', '--format', '{{.ID}}|{{.CreatedAt}}'], {
      encoding: 'utf8',
    })
      .stdout.split('\n')
      .filter(Boolean)
      .map((l) => l.split('|'))
      .filter(([, created]) => Date.parse(created.replace(/ [A-Z]+$/, '')) < begun)
      .map(([id]) => id);
    if (stale.length) {
      const rmi = await run('docker', ['rmi', ...stale], { cwd: dir, env, log });
      if (rmi.code !== 0) process.stdout.write(`compose e2e: could not remove every stale image (${stale.join(' ')}): ${rmi.stderr}\n`);
    }
    process.stdout.write(`compose e2e took ${((Date.now() - begun) / 1000).toFixed(0)}s (${timings.join(', ')})${failed ? `; log and compose logs: ${log}` : ''}\n`);
    if (!failed && down.code === 0) rmSync(dir, { recursive: true, force: true });
    expect(down.code).toBe(0);
    expect(left).toBe('');
  }, 600_000);

  /** Counts the steps begun and passed: one that threw or timed out makes afterAll keep the logs. */
  const tracked =
    (fn: () => Promise<void>): (() => Promise<void>) =>
    async () => {
      started++;
      await fn();
      passed++;
    };

  it(
    'builds, starts and deploys hello-world and hello-web with README’s commands, as written',
    tracked(async () => {
      const t = Date.now();
      // README's lines as written; the trace (each command with the seconds since the start) only goes to the log.
      const script = [`PS4='+ [$SECONDS s] '`, 'set -x', ...readme.runBlocks].join('\n');
      const r = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env, log, timeoutMs: 1_500_000 });
      step('README sequence', t);
      if (r.code !== 0) throw new Error(`README's commands failed (exit ${r.code}, log ${log}):\n${(r.stdout + r.stderr).slice(-4000)}`);
      // `install --wait` watched the deploy plans to COMPLETE; the host CLI printed hello-world's.
      expect(r.stdout).toContain('deploy (serial strategy) (COMPLETE)');
      expect(r.stdout).toMatch(/"address": \[\s+"agent-\d\.localhost:\d+"/);
      await waitHealthy(everyService());
      token = (await ok(['exec', '-T', 'gateway', 'marshal-token', 'admin'])).trim();
      expect(token).toMatch(/^[0-9a-f]{48}$/);
      expect((await plan('hello-world')).status).toBe('COMPLETE');
      expect(readText(join(dir, '.env'))).toMatch(/^POSTGRES_PASSWORD=[0-9a-f]{32}$/m);
    }),
    1_800_000,
  );

  it(
    'keeps hello-world’s output file in its agent’s volume',
    tracked(async () => {
      const outputs = await Promise.all(
        ['agent-1', 'agent-2', 'agent-3'].map((a) => inAgent(a, `cat /var/lib/marshal/${a}/sandboxes/*/hello-container-path/output 2>/dev/null || true`)),
      );
      expect(outputs.filter((o) => o.includes('hello'))).toHaveLength(1);
    }),
    120_000,
  );

  it(
    'gives hello-web endpoints that curl reaches from the host and another container reaches by the same address',
    tracked(async () => {
      const { body } = await get<{ address: string[] }>('/v1/service/hello-web/endpoints/http');
      expect(body.address).toHaveLength(2);
      for (const address of body.address) {
        expect(address).toMatch(/^agent-[123]\.localhost:\d+$/);
        expect(curl(`http://${address}/`).stdout).toMatch(/^hello from web-[01]-server\n$/);
        const inside = await inAgent('agent-3', `node -e "fetch('http://${address}/').then((r) => r.text()).then((t) => process.stdout.write(t))"`);
        expect(inside).toMatch(/^hello from web-[01]-server\n$/);
      }
    }),
    120_000,
  );

  it(
    'completes an update although plan-manager and coordinator are restarted in the middle of it',
    tracked(async () => {
      const t = Date.now();
      const pkg = join(dir, 'gated');
      mkdirSync(pkg);
      for (const [file, text] of Object.entries(gatedPackage())) writeFileSync(join(pkg, file), text);
      for (const a of ['agent-1', 'agent-2', 'agent-3']) await inAgent(a, 'touch /var/lib/marshal/open-1');
      expect(await cli('install', pkg, '--wait')).toMatchObject({ code: 0 });
      writeFileSync(join(dir, 'gated-2.json'), JSON.stringify({ version: '2' }));
      expect(await cli('--name', 'gated', 'update', 'start', '--options', join(dir, 'gated-2.json'))).toMatchObject({ code: 0 });
      // The first step's new task waits for its readiness gate, which stays closed until after the restart.
      await eventually(
        async () => {
          const p = await plan('gated');
          expect(p.status).not.toBe('COMPLETE');
          expect(p.phases[0].steps.some((s) => s.status === 'STARTED' || s.status === 'STARTING')).toBe(true);
        },
        { timeoutMs: 60_000, intervalMs: 500, what: 'the update in progress' },
      );
      await ok(OPS.restart);
      await waitHealthy(everyService());
      expect((await plan('gated')).status).not.toBe('COMPLETE');
      for (const a of ['agent-1', 'agent-2', 'agent-3']) await inAgent(a, 'touch /var/lib/marshal/open-2');
      await waitForPlan('gated');
      // Each pod ran version 1, then version 2, on one persistent volume: every sandbox of the agent (the old task's and
      // the new one's) shows the same file.
      for (const a of ['agent-1', 'agent-2', 'agent-3']) {
        const files = (await inAgent(a, `for f in /var/lib/marshal/${a}/sandboxes/*/data/versions; do cat "$f"; echo ---; done`)).split('---\n').filter(Boolean);
        expect(files.length).toBeGreaterThanOrEqual(2);
        expect(new Set(files)).toEqual(new Set(['1\n2\n']));
      }
      step('update with restarts', t);
    }),
    600_000,
  );

  it(
    'reports a killed agent’s task lost and recovers it when the agent returns',
    tracked(async () => {
      const t = Date.now();
      const running = (await taskEvents('gated', 'agent-2')).filter((e) => e.data.state === 'TASK_RUNNING').pop();
      expect(running).toBeDefined();
      const lostTask = running?.data.taskId as string;
      await ok(OPS.kill);
      await eventually(
        async () => expect((await taskEvents('gated', 'agent-2')).filter((e) => e.data.taskId === lostTask).map((e) => e.data.state)).toContain('TASK_LOST'),
        { timeoutMs: 120_000, intervalMs: 1_000, what: `${lostTask} reported TASK_LOST` },
      );
      await ok(OPS.back);
      await waitHealthy(everyService());
      // Its pod instance runs again on agent-2 (hostname:UNIQUE leaves it nowhere else), as a new task.
      await eventually(
        async () => {
          const states = new Map<string, string>();
          for (const e of await taskEvents('gated', 'agent-2')) if (e.data.taskName === running?.data.taskName) states.set(e.data.taskId, e.data.state);
          const now = [...states.entries()].filter(([id, s]) => id !== lostTask && s === 'TASK_RUNNING');
          expect(now).toHaveLength(1);
        },
        { timeoutMs: 180_000, intervalMs: 1_000, what: `${running?.data.taskName} running again on agent-2` },
      );
      await waitForPlan('gated', 'recovery');
      step('agent kill and recovery', t);
    }),
    600_000,
  );

  it(
    'scales offer-evaluator to three, and deploys with them',
    tracked(async () => {
      const t = Date.now();
      await ok(OPS.scale);
      await waitHealthy(everyService(3));
      writeFileSync(join(dir, 'hello-2.json'), JSON.stringify({ hello: { count: 2 } }));
      expect(await cli('--name', 'hello-world', 'update', 'start', '--options', join(dir, 'hello-2.json'))).toMatchObject({ code: 0 });
      await eventually(async () => expect((await plan('hello-world')).phases[0].steps).toHaveLength(2), { timeoutMs: 60_000, intervalMs: 500 });
      await waitForPlan('hello-world');
      step('scale', t);
    }),
    600_000,
  );

  it(
    'keeps services, plans, tokens and volumes across down and up',
    tracked(async () => {
      const t = Date.now();
      expect((await ok(OPS.ps)).split('\n').length).toBeGreaterThan(10);
      await ok(OPS.down);
      expect((await ok(['ps', '-q'])).trim()).toBe('');
      const volumes = spawnSync('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`], { encoding: 'utf8' }).stdout;
      expect(volumes.trim().split('\n')).toHaveLength(7);
      await ok(OPS.up);
      await waitHealthy(everyService());
      // The same token: the gateway's tokens volume was kept.
      const services = await get<{ name: string }[]>('/v1/services');
      expect(services.status).toBe(200);
      expect(services.body.map((s) => s.name).sort()).toEqual(['gated', 'hello-web', 'hello-world']);
      for (const s of ['hello-world', 'hello-web', 'gated']) expect((await plan(s)).status).toBe('COMPLETE');
      expect((await plan('hello-world')).phases[0].steps).toHaveLength(2);
      // The tasks stopped with their agents and come back; hello-web answers again on its endpoints.
      await eventually(
        async () => {
          const { body } = await get<{ address: string[] }>('/v1/service/hello-web/endpoints/http');
          expect(body.address).toHaveLength(2);
          for (const address of body.address) expect(curl(`http://${address}/`).stdout).toMatch(/^hello from web-[01]-server\n$/);
        },
        { timeoutMs: 180_000, intervalMs: 2_000, what: 'hello-web serving again' },
      );
      const outputs = await Promise.all(
        ['agent-1', 'agent-2', 'agent-3'].map((a) => inAgent(a, `cat /var/lib/marshal/${a}/sandboxes/*/hello-container-path/output 2>/dev/null || true`)),
      );
      expect(outputs.join('')).toContain('hello');
      step('down and up', t);
    }),
    900_000,
  );
});
