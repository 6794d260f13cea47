import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigurationDiffBody, PodDelta } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import { startCluster, type Cluster } from './support';
import { headSeq, plan, podTasks, steps, universePackage, writeOptions } from './plans-support';

const AGENTS = ['agent-1', 'agent-2', 'agent-3'];
const ops = (deltas: readonly PodDelta[]): string[] => deltas.map((d) => `${d.podInstance}:${d.operation}`);
/** svc.yml's RLIMIT_NOFILE is above what this machine lets a process raise its limit to (as plans-updates.e2e). */
const noRlimits = (y: string): string => y.replace(/ {4}rlimits:\n(?: {6}.*\n)+/g, '');

/** Digital.ai Deploy's planning in Marshal's plans (other-systems §1a): typed deltas and operator skip, with real agents. */
describe('Deploy planning with real agents', () => {
  let cluster: Cluster;
  const pkg = universePackage('svc.yml', noRlimits);

  beforeAll(async () => {
    cluster = await startCluster(AGENTS.map((id, i) => ({ id, zone: `zone-${i}` })));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('plan preview --json shows the deltas of an install without starting anything', async () => {
    const r = await cluster.cli('plan', 'preview', pkg, '--json');
    expect(`${r.code} ${r.stderr}`).toBe('0 ');
    const preview = JSON.parse(r.stdout) as { plans: { name: string }[]; deltas: PodDelta[] };
    expect(ops(preview.deltas)).toEqual(['hello-0:CREATE', 'world-0:CREATE', 'world-1:CREATE']);
    expect(preview.deltas[0]).toMatchObject({ before: null, after: { type: 'hello' }, tasks: [{ task: 'server', operation: 'CREATE' }] });
    expect(preview.plans.map((p) => p.name)).toContain('deploy');
    expect((await cluster.get('/v1/services')).body).toEqual([]);
  });

  it('installs; the install answers every pod instance CREATE', async () => {
    const r = await cluster.cli('install', pkg, '--json');
    expect(`${r.code} ${r.stderr}`).toBe('0 ');
    const reply = JSON.parse(r.stdout) as { configId: string; deltas: PodDelta[] };
    expect(ops(reply.deltas)).toEqual(['hello-0:CREATE', 'world-0:CREATE', 'world-1:CREATE']);
    expect(reply.deltas.every((d) => d.afterConfigId === reply.configId && d.beforeConfigId === null)).toBe(true);
    await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE', 90_000);
  });

  it('the update dry run shows MODIFY, NOOP, NOOP for a change of hello.cpus and changes nothing', async () => {
    // Nothing changes: the configurations (other events, such as task statuses, may still arrive in the log).
    const configs = async () => (await cluster.get<string[]>(`/v1/service/hello-world/configurations?seq=${await headSeq(cluster)}`)).body;
    const before = await configs();
    const r = await cluster.cli('--name', 'hello-world', 'update', 'start', '--options', writeOptions({ hello: { cpus: 0.2 } }), '--dry-run', '--json');
    expect(`${r.code} ${r.stderr}`).toBe('0 ');
    const dry = JSON.parse(r.stdout) as { valid: boolean; deltas: PodDelta[]; diff: string };
    expect(dry.valid).toBe(true);
    expect(ops(dry.deltas)).toEqual(['hello-0:MODIFY', 'world-0:NOOP', 'world-1:NOOP']);
    expect(dry.deltas[0].changes).toEqual([{ path: 'resourceSets.server-resource-set.cpus', before: 0.1, after: 0.2 }]);
    expect(dry.diff).toContain('"cpus": 0.2');
    expect(await configs()).toEqual(before);
    const text = await cluster.cli('--name', 'hello-world', 'update', 'start', '--options', writeOptions({ hello: { cpus: 0.2 } }), '--dry-run');
    expect(text.stdout).toMatch(/^Dry run: nothing was changed\. Deltas:\nhello-0 {2}MODIFY {2}tasks: server MODIFY\n {2}resourceSets\.server-resource-set\.cpus: 0\.1 → 0\.2\nworld-0 {2}NOOP\nworld-1 {2}NOOP\n/);
  });

  it('the update answers the same deltas, relaunches only hello-0, and GET …/configurations/{id}/diff shows them', async () => {
    const worldBefore = (await podTasks(cluster, 'hello-world', 'world-0'))[0].id;
    const r = await cluster.cli('--name', 'hello-world', 'update', 'start', '--options', writeOptions({ hello: { cpus: 0.2 } }), '--json');
    expect(`${r.code} ${r.stderr}`).toBe('0 ');
    const reply = JSON.parse(r.stdout) as { configId: string; deltas: PodDelta[] };
    expect(ops(reply.deltas)).toEqual(['hello-0:MODIFY', 'world-0:NOOP', 'world-1:NOOP']);
    expect(reply.deltas[0].afterConfigId).toBe(reply.configId);
    await eventually(
      async () => {
        const p = await plan(cluster, 'hello-world', 'deploy');
        if (p.status !== 'COMPLETE' || p.phases[0].steps[0].message === '') throw new Error(steps(p).join(' '));
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'the update deployed' },
    );
    expect((await podTasks(cluster, 'hello-world', 'world-0'))[0].id).toBe(worldBefore);

    const diff = await cluster.get<ConfigurationDiffBody>(`/v1/service/hello-world/configurations/${reply.configId}/diff`);
    expect(diff.status).toBe(200);
    expect(ops(diff.body.deltas)).toEqual(['hello-0:MODIFY', 'world-0:NOOP', 'world-1:NOOP']);
    expect(diff.body.deltas[0]).toMatchObject({ afterConfigId: reply.configId, beforeConfigId: diff.body.from });
    const cli = await cluster.cli('--name', 'hello-world', 'debug', 'config', 'diff', reply.configId);
    expect(cli.stdout).toContain(`to ${reply.configId}:\nhello-0  MODIFY  tasks: server MODIFY\n`);
  });

  it('a step no agent can take is skipped: SKIPPED, not COMPLETE; the plan completes; its pod keeps its configuration', async () => {
    const cpus = async (): Promise<number> => (await cluster.get<{ info: { resources: { cpus: number } } }[]>('/v1/service/hello-world/pod/world-0/info?view=marshal')).body[0].info.resources.cpus;
    const cpusBefore = await cpus();
    expect(cpusBefore).toBeLessThan(1);
    const r = await cluster.cli('--name', 'hello-world', 'update', 'start', '--options', writeOptions({ world: { cpus: 64 } }), '--json');
    expect(`${r.code} ${r.stderr}`).toBe('0 ');
    const pending = await eventually(
      async () => {
        const p = await plan(cluster, 'hello-world', 'deploy');
        const world = p.phases[1].steps;
        if (world[0].status !== 'PREPARED' && world[0].status !== 'PENDING') throw new Error(steps(p).join(' '));
        if (!world[0].message) throw new Error(`not evaluated yet: ${steps(p).join(' ')}`);
        return p;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'world-0 evaluated and not placed' },
    );
    expect(pending.status).toBe('IN_PROGRESS');
    for (const step of ['world-0:[server]', 'world-1:[server]']) {
      const s = await cluster.cli('--name', 'hello-world', 'update', 'skip', 'world', step);
      expect(`${s.code} ${s.stdout}${s.stderr}`).toBe(`0 "deploy" plan: step "${step}" in phase "world" has been skipped.\n`);
    }
    const done = await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE', 60_000);
    expect(steps(done)).toEqual(['hello-0:[server]=COMPLETE', 'world-0:[server]=SKIPPED', 'world-1:[server]=SKIPPED']);
    expect(done.phases[1].steps[0].message).toMatch(/^skip \(phase world, step world-0:\[server\]\) by /);
    // The kill phase of the attempted relaunch stopped world-0 (reference §2.6); skipped, it runs again as it was.
    await eventually(
      async () => {
        const t = (await podTasks(cluster, 'hello-world', 'world-0'))[0];
        if (t.status !== 'RUNNING') throw new Error(JSON.stringify(t));
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'world-0 running' },
    );
    expect(await cpus()).toBe(cpusBefore);
    // A second skip of the same step has nothing left to do.
    const again = await cluster.cli('--name', 'hello-world', 'update', 'skip', 'world', 'world-0:[server]');
    expect(again.code).toBe(6);
  });
});

/** A throttled parallel phase on simulated agents: the event log never shows more than N steps in progress. */
describe('parallel: {max-concurrent: 5} over 100 pods', () => {
  let cluster: Cluster;
  const PODS = 100;
  const MAX = 5;

  beforeAll(async () => {
    cluster = await startCluster([{ id: 'sim', env: { SIMULATE: '50', SIMULATE_START_LATENCY_MS: '100' } }]);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const throttledPackage = (): string => {
    const pkg = join(mkdtempSync(join(tmpdir(), 'marshal-throttled-')), 'throttled');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'marathon.json.mustache'), '{ "id": "throttled", "env": {} }\n');
    writeFileSync(
      join(pkg, 'svc.yml'),
      `name: throttled
pods:
  hello:
    count: ${PODS}
    tasks:
      server:
        goal: RUNNING
        cmd: sleep 1000
        cpus: 0.1
        memory: 32
plans:
  deploy:
    phases:
      hello:
        pod: hello
        strategy:
          parallel: {max-concurrent: ${MAX}}
`,
    );
    return pkg;
  };

  it('deploys every pod with at most five steps in progress at any point of the log', async () => {
    const r = await cluster.cli('install', throttledPackage(), '--json');
    expect(`${r.code} ${r.stderr}`).toBe('0 ');
    await cluster.waitForPlan('throttled', 'deploy', 'COMPLETE', 300_000);
    const status = new Map<string, string>();
    let most = 0;
    let after = 0;
    let transitions = 0;
    for (;;) {
      const page = (await cluster.get<{ events: { data: { stepId: string; to: string } }[]; cursor: number; more: boolean }>(`/v1/service/throttled/events?type=StepStatusChanged&after=${after}&limit=1000`)).body;
      for (const e of page.events) {
        transitions++;
        status.set(e.data.stepId, e.data.to);
        most = Math.max(most, [...status.values()].filter((s) => ['PREPARED', 'STARTING', 'STARTED', 'DELAYED'].includes(s)).length);
      }
      after = page.cursor;
      if (!page.more) break;
    }
    expect(status.size).toBe(PODS);
    expect([...status.values()].every((s) => s === 'COMPLETE')).toBe(true);
    expect(transitions).toBeGreaterThanOrEqual(2 * PODS);
    expect(most).toBe(MAX);
  });
});
