import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { subjectsFor } from '@marshal/contracts';
import { eventually, freePort } from '@marshal/testing';
import { root, startCluster, type Cluster, type PlanBody } from './support';

interface Ev {
  seq: number;
  id: string;
  type: string;
  actor: string;
  correlationId: string;
  causationId: string | null;
  data: { plan?: string; step?: string; from?: string; to?: string };
}

/** End to end: audit log, causal chains, time travel and a rebuild without downtime on a real ensemble. */
describe('the event log as the source of truth', () => {
  let cluster: Cluster;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    cluster = await startCluster(
      [
        { id: 'agent-1', zone: 'zone-a' },
        { id: 'agent-2', zone: 'zone-b' },
      ],
      { serviceEnv: { 'state-projector': { HEALTH_PORT: String(metricsPort) } } },
    );
    expect(await cluster.cli('install', join(root, 'examples', 'hello-world'))).toMatchObject({ code: 0 });
    await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const events = async (query: string): Promise<Ev[]> => {
    const r = await cluster.get<{ events: Ev[] }>(`/v1/events?${query}`);
    expect(r.status).toBe(200);
    return r.body.events;
  };

  it('records the install with its actor, and its chain reaches the transition to COMPLETE', async () => {
    const [install] = await events('type=ConfigurationAccepted&actor=admin:admin');
    expect(install).toMatchObject({ actor: 'admin:admin', causationId: install.correlationId });

    const chain = JSON.parse((await cluster.cli('events', 'chain', install.correlationId, '--json')).stdout) as { events: (Ev & { depth: number })[] };
    const ids = new Set(chain.events.map((e) => e.id));
    expect(chain.events.every((e) => e.correlationId === install.correlationId)).toBe(true);
    expect(new Set(chain.events.map((e) => e.type))).toEqual(
      new Set(['ConfigurationAccepted', 'PlanGenerated', 'PlanStatusChanged', 'ResourcesReserved', 'StepStatusChanged', 'TaskLaunched', 'TaskStatusUpdated']),
    );
    // Every transition of the deploy step is in the chain, each caused by an event of it.
    const steps = chain.events.filter((e) => e.type === 'StepStatusChanged' && e.data.plan === 'deploy');
    expect(steps.map((e) => `${e.data.from}→${e.data.to}`)).toEqual(['PENDING→PREPARED', 'PREPARED→STARTING', 'STARTING→COMPLETE']);
    for (const e of steps) expect(ids.has(e.causationId as string)).toBe(true);
    expect(steps[2].depth).toBeGreaterThan(steps[0].depth);

    const tree = await cluster.cli('events', 'chain', install.correlationId);
    expect(tree.stdout).toMatch(/StepStatusChanged deploy › hello › hello-0:\[server\] STARTING → COMPLETE/);
  });

  it('prints the filtered audit log as readable lines', async () => {
    const out = await cluster.cli('--name', 'hello-world', 'events', '--type', 'StepStatusChanged', '--plan', 'deploy');
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines.map((l) => /(\w+ → \w+)/.exec(l)?.[1])).toEqual(['PENDING → PREPARED', 'PREPARED → STARTING', 'STARTING → COMPLETE']);
    expect(lines[2]).toMatch(/^#\d+ \S+ hello-world StepStatusChanged deploy › hello › hello-0:\[server\] STARTING → COMPLETE: .* \(by service:plan-manager\)$/);
    const pod = await events('pod=hello-0&type=TaskStatusUpdated');
    expect(pod.map((e) => (e.data as { state?: string }).state)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
  });

  it('shows the deploy plan as it stood at a past sequence or time', async () => {
    const log = await events('service=hello-world&plan=deploy&type=StepStatusChanged,PlanStatusChanged,PlanGenerated');
    const generated = log.find((e) => e.type === 'PlanGenerated') as Ev;
    const prepared = log.find((e) => e.type === 'StepStatusChanged' && e.data.to === 'PREPARED') as Ev;
    const shown = log.find((e) => e.type === 'PlanStatusChanged' && e.seq > prepared.seq) as Ev;

    const then = await cluster.cli('--name', 'hello-world', 'plan', 'status', 'deploy', '--at', String(shown.seq));
    expect(then.stdout).toBe('deploy (serial strategy) (IN_PROGRESS)\n└─ hello (serial strategy) (IN_PROGRESS)\n   └─ hello-0:[server] (PREPARED)\n');
    const at = (await cluster.get<{ events: { at: string }[] }>(`/v1/events?after=${generated.seq - 1}&limit=1`)).body.events[0].at;
    const first = await cluster.cli('--name', 'hello-world', 'plan', 'status', 'deploy', '--at', at);
    expect(first.stdout).toMatch(/^deploy \(serial strategy\) \(PENDING\)\n/);

    const res = await fetch(`${cluster.ensemble.gatewayUrl}/v1/plans/deploy?at=${shown.seq}`, { headers: { authorization: `Bearer ${cluster.ensemble.tokens.viewer}` } });
    expect({ status: res.status, seq: res.headers.get('x-marshal-seq') }).toEqual({ status: 202, seq: String(shown.seq) });
    expect((await cluster.get('/v1/plans/deploy?at=yesterday')).status).toBe(400);
  });

  it('follows an operator’s pod restart from the command through the kill to the relaunched step COMPLETE', async () => {
    expect((await cluster.cli('pod', 'restart', 'hello-0')).code).toBe(0);
    await eventually(async () => expect((await events('type=StepStatusChanged&plan=recovery')).map((e) => e.data.to)).toContain('COMPLETE'), {
      what: 'the recovery step COMPLETE',
    });
    const [restart] = await events('type=PodRestartRequested&actor=admin:admin');
    const chain = JSON.parse((await cluster.cli('events', 'chain', restart.correlationId, '--json')).stdout) as { events: (Ev & { depth: number })[] };
    expect(chain.events.every((e) => e.correlationId === restart.correlationId)).toBe(true);
    const states = chain.events.filter((e) => e.type === 'TaskStatusUpdated').map((e) => (e.data as { state?: string }).state);
    expect(states).toEqual(['TASK_KILLED', 'TASK_STARTING', 'TASK_RUNNING']);
    const recovery = chain.events.filter((e) => e.type === 'StepStatusChanged' && e.data.plan === 'recovery');
    expect(recovery.map((e) => `${e.data.from}→${e.data.to}`)).toEqual(['PENDING→PREPARED', 'PREPARED→STARTING', 'STARTING→COMPLETE']);
    expect(chain.events.map((e) => e.type)).toEqual(expect.arrayContaining(['TaskKillRequested', 'ResourcesReserved', 'TaskLaunched']));
  });

  it('rebuilds the read models while serving them, records who asked, and follows it live', async () => {
    const before = (await cluster.get<PlanBody>('/v1/plans/deploy')).body;
    const follow: ChildProcess = spawn(
      process.execPath,
      [join(root, 'apps', 'cli', 'dist', 'main.js'), '--url', cluster.ensemble.gatewayUrl, 'events', '--type', 'ProjectionRebuildStarted,ProjectionRebuildCompleted', '--follow'],
      { env: { ...process.env, MARSHAL_URL: '', MARSHAL_TOKEN: cluster.ensemble.tokens.viewer }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let followed = '';
    follow.stdout?.on('data', (d: Buffer) => (followed += d.toString()));
    try {
      let reading = true;
      const served: number[] = [];
      const reader = (async () => {
        while (reading) {
          const r = await cluster.get<PlanBody>('/v1/plans/deploy');
          served.push(r.status);
          expect(r.body).toEqual(before);
        }
      })();
      const rebuilt = await cluster.cli('admin', 'rebuild-projections', '--wait');
      reading = false;
      await reader;
      expect(rebuilt).toMatchObject({ code: 0 });
      expect(rebuilt.stdout).toMatch(/^Rebuilding the read models as generation 2 \(log head \d+\)\.\n(.|\n)*Generation 2 serves now/);
      expect(served.length).toBeGreaterThan(0);
      expect(new Set(served)).toEqual(new Set([200]));
      expect((await cluster.get<PlanBody>('/v1/plans/deploy')).body).toEqual(before);

      const status = (await cluster.get<{ generations: { id: number; state: string }[] }>('/v1/admin/projections')).body;
      expect(status.generations.map((g) => [g.id, g.state])).toEqual([[2, 'active']]);
      const [started] = await events('type=ProjectionRebuildStarted');
      expect(started.actor).toBe('admin:admin');
      await eventually(() => expect(followed).toMatch(/ProjectionRebuildStarted(.|\n)*\(by admin:admin\)(.|\n)*ProjectionRebuildCompleted/), { what: 'followed rebuild events' });

      // Every event of the stream is in the rebuilt audit table.
      const subjects = subjectsFor(cluster.namespace);
      const nc = await connect(cluster.nats.clientOptions());
      try {
        const jsm = await jetstreamManager(nc);
        await eventually(async () => {
          const { state } = await jsm.streams.info(subjects.stream);
          const all = (await cluster.get<{ cursor: number; events: unknown[] }>('/v1/events?tail=1&data=false')).body;
          expect(all.cursor).toBe(state.last_seq);
        });
      } finally {
        await nc.close();
      }
    } finally {
      follow.kill('SIGTERM');
    }
  });

  it('exposes the projection lag as a Prometheus metric and in the verbose health', async () => {
    const health = await cluster.get<{ value: number; projections: { head: number; lag: number } }>('/v1/service/hello-world/health?verbose=true');
    expect(health.body).toMatchObject({ value: 200, projections: { head: expect.any(Number), lag: expect.any(Number) } });
    expect(health.body.projections.head).toBeGreaterThan(0);
    await eventually(async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(text).toMatch(/^marshal_projection_lag_events 0$/m);
      expect(text).toMatch(/^marshal_projector_checkpoint\{role="active"\} [1-9]\d*$/m);
      expect(text).toMatch(/^marshal_projection_generation\{role="active"\} 2$/m);
    });
  });
});
