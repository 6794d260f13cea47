import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { makeEvent, serviceAggregate, subjectsFor, type MarshalEvent } from '@marshal/contracts';
import { EventStore } from '@marshal/messaging';
import { eventually } from '@marshal/testing';
import { startCluster, type Cluster, type PlanBody } from './support';
import { podTasks, steps, universePackage, writeOptions } from './plans-support';

/**
 * Parity with the original's own integration tests (the helloworld pytest suite): tasks no plan step launches are
 * killed (enable-disable), a placement-only update moves the pod's target so a replace uses the new rule, pod info in
 * the SDK's shape, and an uninstall a client can watch complete (reference §3.0, §3.6, §3.8.2, §6.3).
 */
describe('parity with the SDK helloworld integration tests', () => {
  let cluster: Cluster;
  const AGENTS = ['agent-1', 'agent-2'];

  /**
   * The SDK's `enable-disable.yml`: one pod of two tasks whose deploy step list depends on `TEST_BOOLEAN` (the
   * universe package's `service.test_boolean`): `[[server-a],[server-b]]` when on, `[[server-b]]` when off.
   */
  const ENABLE_DISABLE = `name: {{FRAMEWORK_NAME}}
scheduler:
  principal: {{FRAMEWORK_PRINCIPAL}}
  user: {{FRAMEWORK_USER}}
pods:
  hello:
    count: 1
    tasks:
      server-a:
        goal: RUNNING
        cmd: "echo a >> output && sleep $SLEEP_DURATION"
        cpus: 0.1
        memory: 32
        env:
          SLEEP_DURATION: {{SLEEP_DURATION}}
      server-b:
        goal: RUNNING
        cmd: "echo b >> output && sleep $SLEEP_DURATION"
        cpus: 0.1
        memory: 32
        env:
          SLEEP_DURATION: {{SLEEP_DURATION}}
plans:
  deploy:
    strategy: serial
    phases:
      hello:
        strategy: serial
        pod: hello
        steps:
          - default: [{{#TEST_BOOLEAN}}[server-a], {{/TEST_BOOLEAN}}[server-b]]
`;

  const svc = (name: string, path: string) => `/v1/service/${name}/${path}`;

  const deployed = (service: string, want: (s: string[]) => boolean): Promise<PlanBody> =>
    eventually(
      async () => {
        const r = await cluster.get<PlanBody>(svc(service, 'plans/deploy'));
        if (r.body.status !== 'COMPLETE' || !want(steps(r.body))) throw new Error(JSON.stringify(r.body).slice(0, 400));
        return r.body;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: `${service} deploy COMPLETE` },
    );

  const updateOptions = async (service: string, options: Record<string, unknown>): Promise<void> => {
    const r = await cluster.cli('--name', service, 'update', 'start', '--options', writeOptions(options));
    // The universe package's resource.json leaves build-time values empty: a warning on stderr, not an error.
    expect({ code: r.code, errors: r.stderr.split('\n').filter((l) => l && !l.startsWith('warning:')) }).toEqual({ code: 0, errors: [] });
  };

  beforeAll(async () => {
    cluster = await startCluster(AGENTS.map((id) => ({ id })));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('enable-disable: switching TEST_BOOLEAN off kills server-a; exactly the tasks the new plans launch run', async () => {
    const installed = await cluster.cli('install', universePackage('simple.yml', () => ENABLE_DISABLE), '--name', 'enable-disable');
    expect(`${installed.code} ${installed.stderr}`).toBe('0 ');
    await deployed('enable-disable', (s) => s.length === 2);
    const before = await eventually(async () => {
      const tasks = await podTasks(cluster, 'enable-disable', 'hello-0');
      if (tasks.some((t) => t.status !== 'RUNNING')) throw new Error(JSON.stringify(tasks));
      return Object.fromEntries(tasks.map((t) => [t.name, t.id]));
    });
    expect(Object.keys(before)).toEqual(['hello-0-server-a', 'hello-0-server-b']);

    await updateOptions('enable-disable', { service: { test_boolean: false } });
    expect(steps(await deployed('enable-disable', (s) => s.length === 1))).toEqual(['hello-0:[server-b]=COMPLETE']);
    const after = await eventually(
      async () => {
        const tasks = await podTasks(cluster, 'enable-disable', 'hello-0');
        if (tasks.find((t) => t.name === 'hello-0-server-a')?.status !== 'KILLED') throw new Error(JSON.stringify(tasks));
        return tasks;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'server-a killed' },
    );
    // server-b was not touched; server-a was killed, not relaunched, and recovery leaves it alone.
    expect(after.map((t) => `${t.name} ${t.id} ${t.status}`)).toEqual([`hello-0-server-a ${before['hello-0-server-a']} KILLED`, `hello-0-server-b ${before['hello-0-server-b']} RUNNING`]);
    expect((await cluster.get<PlanBody>(svc('enable-disable', 'plans/recovery'))).body).toMatchObject({ status: 'COMPLETE', phases: [] });
  });

  it('zombie kill: a TASK_RUNNING status for a task id the service does not store gets that id killed, not the real task', async () => {
    const nc = await connect(cluster.nats.clientOptions());
    const subjects = subjectsFor(cluster.namespace);
    try {
      const store = await EventStore.open(nc, subjects);
      const real = (await podTasks(cluster, 'enable-disable', 'hello-0')).find((t) => t.name === 'hello-0-server-b');
      const zombie = `enable-disable__hello-0-server-b__${randomUUID()}`;
      // What an agent reports at reconciliation for a process it still runs that the log no longer names.
      const status = makeEvent(
        'TaskStatusUpdated',
        serviceAggregate('enable-disable'),
        { service: 'enable-disable', agentId: 'agent-1', taskId: zombie, taskName: 'hello-0-server-b', state: 'TASK_RUNNING', message: 'reconciled' },
        { id: randomUUID(), at: new Date().toISOString(), correlationId: 'zombie', causationId: null, actor: 'agent:agent-1' },
      ) as MarshalEvent;
      await store.append(subjects.serviceTask('enable-disable', 'agent-1'), status);
      const kill = await eventually(
        async () => {
          const events = await store.readAll(subjects.allEvents);
          const found = events.find((r) => r.event.type === 'TaskKillRequested' && r.event.data.taskId === zombie);
          if (!found) throw new Error('no kill of the zombie yet');
          return found.event;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: 'the zombie killed' },
      );
      expect(kill.data).toMatchObject({ agentId: 'agent-1', taskName: 'hello-0-server-b', reason: expect.stringContaining('zombie') });
      const events = await store.readAll(subjects.allEvents);
      expect(events.filter((r) => r.event.type === 'TaskKillRequested' && r.event.data.taskId === real?.id)).toEqual([]);
      expect((await podTasks(cluster, 'enable-disable', 'hello-0')).find((t) => t.name === 'hello-0-server-b')).toEqual(real);
    } finally {
      await nc.close();
    }
  });

  it('pod info answers Mesos TaskInfo JSON with its TaskStatus beside it; view=marshal keeps Marshal\'s own', async () => {
    type Entry = { info: Record<string, unknown>; status: Record<string, unknown> };
    const r = await cluster.get<Entry[]>(svc('enable-disable', 'pod/hello-0/info'));
    expect(r.status).toBe(200);
    const [a, b] = r.body;
    const running = (await podTasks(cluster, 'enable-disable', 'hello-0')).find((t) => t.name === 'hello-0-server-b');
    expect(b.info).toMatchObject({
      name: 'hello-0-server-b',
      taskId: { value: running?.id },
      slaveId: { value: expect.stringMatching(/^agent-[12]$/) },
      command: { value: 'echo b >> output && sleep $SLEEP_DURATION' },
    });
    const info = b.info as { resources: { name: string; scalar?: { value: number } }[]; labels: { labels: { key: string; value: string }[] }; command: { environment: { variables: { name: string; value: string }[] } } };
    expect(info.resources.filter((x) => x.scalar).map((x) => [x.name, x.scalar?.value])).toEqual([
      ['cpus', 0.1],
      ['mem', 32],
    ]);
    expect(info.labels.labels.map((l) => l.key)).toEqual(expect.arrayContaining(['target_configuration', 'task_type', 'index', 'goal_state']));
    expect(info.command.environment.variables).toEqual(expect.arrayContaining([{ name: 'TASK_NAME', value: 'hello-0-server-b' }]));
    expect(b.status).toMatchObject({ taskId: { value: running?.id }, state: 'TASK_RUNNING', slaveId: b.info['slaveId'] });
    expect(a.status).toMatchObject({ state: 'TASK_KILLED' });

    const cli = await cluster.cli('--name', 'enable-disable', 'pod', 'info', 'hello-0', '--json');
    expect(cli.code).toBe(0);
    expect((JSON.parse(cli.stdout) as Entry[]).map((e) => (e.info as { name: string }).name)).toEqual(['hello-0-server-a', 'hello-0-server-b']);

    const marshal = await cluster.get<{ info: { taskName: string; cmd: string }; status: { state: string } }[]>(svc('enable-disable', 'pod/hello-0/info?view=marshal'));
    expect(marshal.body[1]).toMatchObject({ info: { taskName: 'hello-0-server-b', cmd: 'echo b >> output && sleep $SLEEP_DURATION' }, status: { state: 'TASK_RUNNING' } });
    expect((await cluster.get<string>(svc('enable-disable', 'pod/hello-0/info?view=mesos'))).status).toBe(400);
  });

  it('a placement-only update relaunches nothing; a later pod replace places the pod by the new rule', async () => {
    const pkg = universePackage('simple.yml', (y) => y.replace('count: {{HELLO_COUNT}}', "count: {{HELLO_COUNT}}\n    placement: '{{{HELLO_PLACEMENT}}}'"));
    const installed = await cluster.cli('install', pkg, '--name', 'placed', '--options', writeOptions({ hello: { placement: '[["hostname", "LIKE", "agent-1"]]' } }));
    expect(`${installed.code} ${installed.stderr}`).toBe('0 ');
    const v1 = await deployed('placed', (s) => s.length === 1);
    const agentOf = async () => {
      const [entry] = (await cluster.get<{ info: { taskId: { value: string }; slaveId: { value: string } }; status?: { state: string } }[]>(svc('placed', 'pod/hello-0/info'))).body;
      return { id: entry.info.taskId.value, agent: entry.info.slaveId.value, state: entry.status?.state };
    };
    const first = await eventually(async () => {
      const a = await agentOf();
      if (a.state !== 'TASK_RUNNING') throw new Error(JSON.stringify(a));
      return a;
    });
    expect(first.agent).toBe('agent-1');

    await updateOptions('placed', { hello: { placement: '[["hostname", "LIKE", "agent-2"]]' } });
    // The plans of the new configuration (new ids), not the install's still shown.
    const plan = await eventually(
      async () => {
        const p = (await cluster.get<PlanBody>(svc('placed', 'plans/deploy'))).body;
        if (p.phases[0]?.steps[0]?.id === v1.phases[0].steps[0].id || p.status !== 'COMPLETE') throw new Error(JSON.stringify(p).slice(0, 300));
        return p;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the deploy plan of the placement update' },
    );
    // The step was COMPLETE from the start: the new configuration only changed placement.
    expect(plan.phases[0].steps[0]).toMatchObject({ status: 'COMPLETE', message: '' });
    expect(await agentOf()).toEqual(first);

    const replaced = await cluster.cli('--name', 'placed', 'pod', 'replace', 'hello-0');
    expect(`${replaced.code} ${replaced.stderr}`).toBe('0 ');
    const moved = await eventually(
      async () => {
        const a = await agentOf();
        if (a.id === first.id || a.state !== 'TASK_RUNNING') throw new Error(JSON.stringify(a));
        return a;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'hello-0 replaced and running' },
    );
    expect(moved.agent).toBe('agent-2');
  });

  it('uninstall: a client polling the deploy plan sees the uninstall plan COMPLETE, and after the service is gone', async () => {
    const started = await cluster.cli('uninstall', 'enable-disable');
    expect(`${started.code} ${started.stderr}`).toBe('0 ');
    const seen: string[] = [];
    const done = await eventually(
      async () => {
        const r = await cluster.get<PlanBody>('/v1/service/enable-disable/plans/deploy');
        seen.push(String(r.status));
        if (r.status !== 200 || r.body.status !== 'COMPLETE') throw new Error(`${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        return r.body;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'the uninstall plan COMPLETE' },
    );
    // Never a 404 on the way: the uninstall plan is served until, and after, it completes.
    expect(seen.filter((s) => s === '404')).toEqual([]);
    expect(done.phases.map((p) => p.name)).toEqual(['kill-tasks', expect.stringMatching(/^unreserve-resources-agent-[12]$/), 'deregister-service']);

    // The service is removed, but its final plans stay readable (read-only) for the retention period.
    await eventually(async () => expect((await cluster.get<{ name: string }[]>('/v1/services')).body.map((s) => s.name)).toEqual(['placed']));
    expect(await cluster.get('/v1/service/enable-disable/plans')).toEqual({ status: 200, body: ['deploy'] });
    expect((await cluster.get<PlanBody>('/v1/service/enable-disable/plans/deploy')).body.status).toBe('COMPLETE');
    expect((await cluster.get('/v1/service/enable-disable/pod')).status).toBe(404);
    expect((await cluster.cli('--name', 'enable-disable', 'plan', 'restart', 'deploy')).code).not.toBe(0);

    // A reinstall of the name replaces the record with a new deployment.
    const again = await cluster.cli('install', universePackage('simple.yml', () => ENABLE_DISABLE), '--name', 'enable-disable');
    expect(`${again.code} ${again.stderr}`).toBe('0 ');
    const redeployed = await deployed('enable-disable', (s) => s.length === 2);
    expect(redeployed.phases.map((p) => p.name)).toEqual(['hello']);
    expect(await cluster.get('/v1/service/enable-disable/plans')).toEqual({ status: 200, body: ['deploy', 'recovery'] });
  });
});
