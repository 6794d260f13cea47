import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { subjectsFor } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import { root, startCluster, type Cluster, type PlanBody } from './support';

/** The walking skeleton: install hello-world and watch a real process reach COMPLETE through every service. */
describe('walking skeleton: hello-world from install to COMPLETE', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster([
      { id: 'agent-1', zone: 'zone-a' },
      { id: 'agent-2', zone: 'zone-b' },
      { id: 'agent-3', zone: 'zone-c' },
    ]);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('installs with the CLI and the deploy plan completes with a real task writing into its volume', async () => {
    const installed = await cluster.cli('install', join(root, 'examples', 'hello-world'), '--wait');
    expect(installed).toMatchObject({ code: 0 });
    expect(installed.stdout).toMatch(/Installing hello-world/);
    expect(installed.stdout).toMatch(/\[█+\] 1\/1 steps complete\n$/);

    const plan = await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE');
    expect(plan).toMatchObject({ status: 'COMPLETE', strategy: 'serial', errors: [] });
    expect(plan.phases.map((p) => p.name)).toEqual(['hello']);
    expect(plan.phases[0].steps.map((s) => [s.name, s.status])).toEqual([['hello-0:[server]', 'COMPLETE']]);

    const plain = await cluster.get<PlanBody>('/v1/plans/deploy');
    expect(plain.status).toBe(200);
    expect(plain.body.status).toBe('COMPLETE');

    expect((await cluster.cli('services')).stdout).toMatch(/^hello-world\thello-world 1\.0\.0\tdeploy COMPLETE\n$/);
    expect((await cluster.cli('agents')).stdout.split('\n').filter(Boolean)).toHaveLength(3);
    const tree = await cluster.cli('--name', 'hello-world', 'plan', 'status', 'deploy');
    expect(tree.stdout).toBe('deploy (serial strategy) (COMPLETE)\n└─ hello (serial strategy) (COMPLETE)\n   └─ hello-0:[server] (COMPLETE)\n');

    // The real process wrote into its persistent volume, in a sandbox on one of the agents.
    const outputs = ['agent-1', 'agent-2', 'agent-3'].flatMap((a) => {
      const sandboxes = join(cluster.ensemble.agentDir(a), 'sandboxes');
      return existsSync(sandboxes) ? readdirSync(sandboxes).map((s) => join(sandboxes, s, 'hello-container-path', 'output')).filter((f) => existsSync(f)) : [];
    });
    expect(outputs).toHaveLength(1);
    expect(readFileSync(outputs[0], 'utf8')).toBe('hello\n');
  });

  it('logs every step transition in JetStream and one events row per logged event', async () => {
    const subjects = subjectsFor(cluster.namespace);
    const nc = await connect(cluster.nats.clientOptions());
    const jsm = await jetstreamManager(nc);
    const transitions: string[] = [];
    const c = await jetstream(nc).consumers.get(subjects.stream, { filter_subjects: subjects.servicePlan('hello-world') });
    const msgs = await c.consume();
    for await (const m of msgs) {
      const e = m.json<{ type: string; data: { step?: string; from?: string; to?: string } }>();
      if (e.type === 'StepStatusChanged') transitions.push(`${e.data.from}→${e.data.to}`);
      if (m.info.pending === 0) break;
    }
    await msgs.close();
    expect(transitions).toEqual(['PENDING→PREPARED', 'PREPARED→STARTING', 'STARTING→COMPLETE']);

    const db = new Client({ connectionString: cluster.db.url });
    await db.connect();
    try {
      await eventually(async () => {
        const { state } = await jsm.streams.info(subjects.stream);
        const rows = Number((await db.query('SELECT count(*) AS n FROM events')).rows[0].n);
        expect(rows).toBe(state.messages);
      });
    } finally {
      await db.end();
      await nc.close();
    }
  });

  it('answers health, agents, endpoints, metrics and the live stream, behind tokens with roles', async () => {
    const url = cluster.ensemble.gatewayUrl;
    const { viewer, operator } = cluster.ensemble.tokens;
    const as = (token: string | undefined, path: string, init: RequestInit = {}): Promise<Response> =>
      fetch(`${url}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) } });

    const health = await as(viewer, '/v1/service/hello-world/health?verbose=true');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ value: 200, name: 'RUNNING' });

    const agents = (await (await as(viewer, '/v1/agents')).json()) as { hostname: string; lost: boolean; attributes: Record<string, string> }[];
    expect(agents.map((a) => [a.hostname, a.lost, a.attributes['zone']])).toEqual([
      ['agent-1', false, 'zone-a'],
      ['agent-2', false, 'zone-b'],
      ['agent-3', false, 'zone-c'],
    ]);
    expect(await (await as(viewer, '/v1/service/hello-world/endpoints')).json()).toEqual([]);
    expect((await as(viewer, '/v1/service/hello-world/endpoints/http')).status).toBe(404);

    const debug = (await (await as(viewer, '/v1/service/hello-world/debug/plans')).json()) as { schedulerState: string; plans: { name: string; totalSteps: number; completedSteps: number }[] };
    expect(debug.schedulerState).toBe('DEPLOYED');
    expect(debug.plans.find((p) => p.name === 'deploy')).toMatchObject({ totalSteps: 1, completedSteps: 1 });
    const statuses = (await (await as(viewer, '/v1/service/hello-world/debug/taskStatuses')).json()) as { name: string; phases: { steps: { taskStatus: { name: string; taskStatus: string }[] }[] }[] }[];
    expect(statuses.find((p) => p.name === 'deploy')?.phases[0].steps[0].taskStatus[0]).toMatchObject({ name: 'hello-0-server', taskStatus: 'TASK_RUNNING' });
    const reservations = (await (await as(viewer, '/v1/debug/reservations')).json()) as Record<string, string[]>;
    expect(Object.values(reservations).flat()).toHaveLength(1);

    const metrics = await (await as(viewer, '/v1/metrics/prometheus')).text();
    expect(metrics).toMatch(/marshal_plan_steps\{service="hello-world",plan="deploy",status="COMPLETE"\} 1/);
    expect(metrics).toMatch(/marshal_agents\{state="active"\} 3/);

    const stream = await as(viewer, '/v1/stream');
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const reader = stream.body?.getReader();
    if (!reader) throw new Error('the stream has no body');
    const first = new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(first).toMatch(/^event: change\ndata: \{"seq":\d+\}/);

    expect((await as(undefined, '/v1/plans/deploy')).status).toBe(401);
    expect((await as('not-a-token-not-a-token', '/v1/plans/deploy')).status).toBe(401);
    expect((await as(viewer, '/v1/services', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(403);
    expect((await as(operator, '/v1/services', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(403);
    const openapi = (await (await as(undefined, '/v1/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/plans/{plan}', '/v1/service/{service}/plans/{plan}', '/v1/services', '/v1/health']));
    expect(await (await as(undefined, '/v1/docs')).text()).toMatch(/swagger-ui/i);
    const ui = await as(undefined, '/ui');
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<title>Marshal<\/title>/);
  });

  it('rebuilds the same plan JSON after the read models are dropped and the projector restarts', async () => {
    const before = (await cluster.get<PlanBody>('/v1/service/hello-world/plans/deploy')).body;
    const projector = cluster.ensemble.process('state-projector');
    await projector.stop();
    const db = new Client({ connectionString: cluster.db.url });
    await db.connect();
    try {
      const tables = (await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).rows.map((r) => `"${r.tablename}"`);
      await db.query(`DROP TABLE ${tables.join(', ')}`);
    } finally {
      await db.end();
    }
    projector.start();
    // Read the database, not the gateway's cache: the cached answer from before the drop would equal `before` too.
    const after = await eventually(
      async () => {
        const r = await cluster.get<PlanBody>('/v1/service/hello-world/plans/deploy', { fresh: true });
        if (r.status !== 200 || r.body.status !== 'COMPLETE') throw new Error(`deploy plan is ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        return r.body;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'rebuilt deploy plan' },
    );
    expect(after).toEqual(before);
  });
});
