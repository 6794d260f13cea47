import { eventually } from '@marshal/testing';
import { startCluster, type Cluster } from './support';
import { command, headSeq, plan, podTasks, sandboxFile, steps, universePackage, writeOptions } from './plans-support';

const AGENTS = ['agent-1', 'agent-2', 'agent-3'];

/**
 * The canary example driven by operator commands, plan-manager killed in the middle of the deploy, and a
 * custom plan started with parameters — with real agents.
 */
describe('plans with real agents: canary, a plan-manager crash, custom plans', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    // canary.yml's hello pods use the static port 9999.
    cluster = await startCluster(AGENTS.map((id, i) => ({ id, zone: `zone-${i}`, ports: '9000-9999,10000-20000' })));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('canary.yml holds after its first step until one continue of the phase, the rest until a second; a plan-manager crash loses nothing', async () => {
    const installed = await cluster.cli('install', universePackage('canary.yml'), '--options', writeOptions({ hello: { count: 2 } }));
    expect(installed).toMatchObject({ code: 0 });
    const waiting = await cluster.waitForPlan('hello-world', 'deploy', 'WAITING');
    expect(waiting.phases.map((p) => `${p.name} ${p.strategy} ${p.status}`)).toEqual(['hello-deploy parallel-canary WAITING', 'world-deploy serial-canary WAITING']);
    expect(steps(waiting)).toEqual(['hello-0:[server]=WAITING', 'hello-1:[server]=WAITING', 'world-0:[server]=WAITING', 'world-1:[server]=WAITING']);

    const resumed = await cluster.cli('--name', 'hello-world', 'plan', 'resume', 'deploy', 'hello-deploy');
    expect(resumed).toMatchObject({ code: 0, stdout: '"deploy" plan: phase "hello-deploy" has been resumed.\n' });
    const held = await eventually(
      async () => {
        const p = await plan(cluster, 'hello-world', 'deploy');
        if (steps(p)[0] !== 'hello-0:[server]=COMPLETE') throw new Error(steps(p).join(' '));
        return p;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'hello-0 COMPLETE' },
    );
    expect(steps(held)).toEqual(['hello-0:[server]=COMPLETE', 'hello-1:[server]=WAITING', 'world-0:[server]=WAITING', 'world-1:[server]=WAITING']);
    expect(held.phases[0].status).toBe('WAITING');
    expect(held.phases[0].steps[0]).toMatchObject({ startedAt: expect.any(String), completedAt: expect.any(String) });
    expect((await cluster.get('/v1/service/hello-world/pod')).body).toEqual(['hello-0']);

    // A plan-manager killed in the middle of the deploy comes back with every override and transition.
    const before = await plan(cluster, 'hello-world', 'deploy');
    const pm = cluster.ensemble.process('plan-manager');
    await pm.kill();
    pm.start();
    const seq = await headSeq(cluster);
    // Answered once the new plan-manager has replayed the log up to where it was.
    await eventually(() => command(cluster, 'plan.candidates', { meta: { commandId: 'probe', actor: 'admin:e2e', correlationId: 'probe' }, minSeq: seq }), {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'plan-manager back',
    });
    expect(await plan(cluster, 'hello-world', 'deploy')).toEqual(before);
    expect((await cluster.cli('--name', 'hello-world', 'plan', 'resume', 'deploy')).stderr).toBe('');

    expect((await cluster.cli('--name', 'hello-world', 'plan', 'resume', 'deploy', 'hello-deploy')).code).toBe(0);
    const helloDone = await eventually(
      async () => {
        const p = await plan(cluster, 'hello-world', 'deploy');
        if (p.phases[0].status !== 'COMPLETE') throw new Error(steps(p).join(' '));
        return p;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'hello-deploy COMPLETE' },
    );
    expect(steps(helloDone).slice(2)).toEqual(['world-0:[server]=WAITING', 'world-1:[server]=WAITING']);

    for (const round of [1, 2]) {
      expect((await cluster.cli('--name', 'hello-world', 'plan', 'resume', 'deploy', 'world-deploy')).code).toBe(0);
      await eventually(
        async () => {
          const s = steps(await plan(cluster, 'hello-world', 'deploy'));
          if (s[1 + round] !== `world-${round - 1}:[server]=COMPLETE`) throw new Error(s.join(' '));
        },
        { timeoutMs: 60_000, intervalMs: 250, what: `world-${round - 1} COMPLETE` },
      );
    }
    const done = await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE');
    expect(steps(done).every((s) => s.endsWith('=COMPLETE'))).toBe(true);

    const tree = await cluster.cli('--name', 'hello-world', 'pod', 'status');
    expect(tree.stdout.split('\n').slice(0, 4)).toEqual(['hello-world', '├─ hello', '│  ├─ hello-0', '│  │  └─ hello-0-server (RUNNING)']);
  });

  it('the sidecar example: a custom plan waits until started; its parameters reach the tasks and their output file', async () => {
    expect(await cluster.cli('install', universePackage('sidecar.yml'), '--options', writeOptions({ service: { name: 'sidecar' } }))).toMatchObject({ code: 0 });
    await cluster.waitForPlan('sidecar', 'deploy', 'COMPLETE');
    expect((await cluster.get('/v1/service/sidecar/plans')).body).toEqual(['deploy', 'recovery', 'sidecar', 'sidecar-parameterized', 'sidecar-toxic']);
    expect((await plan(cluster, 'sidecar', 'sidecar-parameterized')).status).toBe('WAITING');

    const started = await cluster.cli('--name', 'sidecar', 'plan', 'start', 'sidecar-parameterized', '-p', 'PLAN_PARAMETER=parameterized');
    expect(started).toMatchObject({ code: 0, stdout: '{\n  "message": "Received cmd: start sidecar-parameterized with parameters: {PLAN_PARAMETER=parameterized}"\n}\n' });
    await cluster.waitForPlan('sidecar', 'sidecar-parameterized', 'COMPLETE');

    for (const pod of ['hello-0', 'hello-1']) {
      const task = (await podTasks(cluster, 'sidecar', pod)).find((t) => t.name === `${pod}-sidecar-parameterized`);
      expect(task).toMatchObject({ status: 'FINISHED' });
      expect(sandboxFile(cluster, AGENTS, task?.id ?? '', 'hello-container-path/output')).toContain('parameterized\n');
    }

    // A second start of a COMPLETE plan restarts it (reference §3.7); stop interrupts and resets it.
    expect((await cluster.cli('--name', 'sidecar', 'plan', 'stop', 'sidecar-parameterized')).code).toBe(0);
    const stopped = await cluster.waitForPlan('sidecar', 'sidecar-parameterized', 'WAITING');
    expect(steps(stopped)).toEqual(['hello-0:[sidecar-parameterized]=PENDING', 'hello-1:[sidecar-parameterized]=PENDING']);
  });
});
