import { eventually } from '@marshal/testing';
import { startCluster, type Cluster, type PlanBody } from './support';
import { podTasks, steps, universePackage, update } from './plans-support';

const AGENTS = ['agent-1', 'agent-2', 'agent-3'];

/** Configuration changes relaunch only what changed; scale out and in (reference §3.5, §3.8). */
describe('configuration updates with real agents', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(AGENTS.map((id, i) => ({ id, zone: `zone-${i}` })));
    // svc.yml's RLIMIT_NOFILE of at least 128000 (the package's minimum) is above what this machine lets a process
    // raise its limit to, so the rlimits blocks are left out.
    const installed = await cluster.cli('install', universePackage('svc.yml', (y) => y.replace(/ {4}rlimits:\n(?: {6}.*\n)+/g, '')));
    expect(`${installed.code} ${installed.stderr}`).toBe('0 ');
    await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE', 90_000);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const ids = async (): Promise<Record<string, string>> => {
    const pods = (await cluster.get<string[]>('/v1/service/hello-world/pod')).body;
    const out: Record<string, string> = {};
    for (const pod of pods) for (const t of await podTasks(cluster, 'hello-world', pod)) out[t.name] = `${t.id} ${t.status}`;
    return out;
  };

  /** The deploy plan COMPLETE with the steps `want` (the plan of the new configuration, not the previous one). */
  const deployed = (want: (steps: string[]) => boolean): Promise<PlanBody> =>
    eventually(
      async () => {
        const r = await cluster.get<PlanBody>('/v1/service/hello-world/plans/deploy');
        if (r.body.status !== 'COMPLETE' || !want(steps(r.body))) throw new Error(steps(r.body).join(' '));
        return r.body;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'deploy COMPLETE' },
    );

  it('a change of world.cpus relaunches only the world pods', async () => {
    const before = await ids();
    expect(Object.keys(before)).toEqual(['hello-0-server', 'world-0-server', 'world-1-server']);
    await update(cluster, 'hello-world', { world: { cpus: 0.3 } });
    const changed = async () => {
      const now = await ids();
      if (!['world-0-server', 'world-1-server'].every((w) => now[w] !== before[w] && now[w].endsWith(' RUNNING'))) throw new Error(JSON.stringify(now));
      return now;
    };
    const after = await eventually(changed, { timeoutMs: 90_000, intervalMs: 250, what: 'world relaunched' });
    await deployed(() => true);
    expect(after['hello-0-server']).toBe(before['hello-0-server']);
    const info = (await cluster.get<{ info: { resources: { cpus: number } } }[]>('/v1/service/hello-world/pod/world-0/info?view=marshal')).body;
    expect(info[0].info.resources.cpus).toBe(0.3);
  });

  it('scale out from 1 to 3 hello pods leaves instance 0 untouched', async () => {
    const before = await ids();
    await update(cluster, 'hello-world', { hello: { count: 3 } });
    const plan = await deployed((s) => s.length === 5);
    expect(steps(plan)).toEqual(['hello-0:[server]=COMPLETE', 'hello-1:[server]=COMPLETE', 'hello-2:[server]=COMPLETE', 'world-0:[server]=COMPLETE', 'world-1:[server]=COMPLETE']);
    // hello-0 was not touched: its step was COMPLETE from the start, never launched again.
    expect(plan.phases[0].steps[0]).toMatchObject({ startedAt: null, message: '' });
    const after = await eventually(async () => {
      const now = await ids();
      if (!['hello-1-server', 'hello-2-server'].every((t) => now[t]?.endsWith(' RUNNING'))) throw new Error(JSON.stringify(now));
      return now;
    });
    expect(after['hello-0-server']).toBe(before['hello-0-server']);
    expect(after['world-0-server']).toBe(before['world-0-server']);
  });

  it('scale in of world from 2 to 1 decommissions world-1: killed, unreserved, erased', async () => {
    await update(cluster, 'hello-world', { world: { count: 1 } });
    const decommission = await eventually(
      async () => {
        const r = await cluster.get<PlanBody>('/v1/service/hello-world/plans/decommission');
        if (r.status !== 200 || r.body.status !== 'COMPLETE') throw new Error(JSON.stringify(r.body).slice(0, 400));
        return r.body;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'decommission COMPLETE' },
    );
    expect(decommission.phases.map((p) => p.name)).toEqual(['world-1']);
    expect(steps(decommission).map((s) => s.replace(/unreserve-.*=/, 'unreserve-<id>='))).toEqual([
      'kill-world-1-server=COMPLETE',
      'unreserve-<id>=COMPLETE',
      'erase-world-1-server=COMPLETE',
    ]);
    expect((await cluster.get('/v1/service/hello-world/plans')).body).toEqual(['deploy', 'recovery', 'decommission']);
    await eventually(async () => expect((await cluster.get('/v1/service/hello-world/pod')).body).toEqual(['hello-0', 'hello-1', 'hello-2', 'world-0']));
  });
});
