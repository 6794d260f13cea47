import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@marshal/testing';
import { plan, podTasks, relaunched, sandboxFile, steps } from './plans-support';
import { root, startCluster, type Cluster } from './support';

/**
 * A task whose health check starts failing is killed by its agent and relaunched by recovery — in place
 * (TRANSIENT recovery, reference §3.4), so the relaunch finds the data its volume already holds.
 */
const SVC = `name: {{FRAMEWORK_NAME}}
scheduler:
  principal: {{FRAMEWORK_PRINCIPAL}}
  user: {{FRAMEWORK_USER}}
pods:
  hello:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: echo hello >> data/output && touch data/healthy && sleep 1000
        cpus: 0.1
        memory: 32
        volume:
          path: data
          type: ROOT
          size: 10
        health-check:
          cmd: test -f data/healthy
          interval: 1
          grace-period: 0
          delay: 0
          timeout: 2
          max-consecutive-failures: 2
`;

describe('recovery of a task whose health check fails', () => {
  let cluster: Cluster;
  const agents = ['agent-1', 'agent-2'];

  beforeAll(async () => {
    cluster = await startCluster(agents.map((id) => ({ id })));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('kills the unhealthy task and relaunches it in place with its volume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marshal-health-'));
    cpSync(join(root, 'examples', 'hello-world'), dir, { recursive: true });
    writeFileSync(join(dir, 'svc.yml'), SVC);
    expect(await cluster.cli('install', dir, '--name', 'healthy', '--wait')).toMatchObject({ code: 0 });

    const [first] = await podTasks(cluster, 'healthy', 'hello-0');
    expect(first).toMatchObject({ name: 'hello-0-server', status: 'RUNNING' });
    expect(sandboxFile(cluster, agents, first.id, 'data/output')).toBe('hello\n');

    // The check starts failing: the flag file goes away.
    const flag = agents.map((a) => join(cluster.ensemble.agentDir(a), 'sandboxes', first.id, 'data', 'healthy')).find((f) => existsSync(f));
    expect(flag).toBeDefined();
    rmSync(flag as string);

    const second = await relaunched(cluster, 'healthy', 'hello-0', 'hello-0-server', first.id);
    expect(sandboxFile(cluster, agents, second.id, 'data/output')).toBe('hello\nhello\n');
    const recovery = await eventually(
      async () => {
        const p = await plan(cluster, 'healthy', 'recovery');
        if (!steps(p).includes('hello-0:[server]=COMPLETE')) throw new Error(JSON.stringify(steps(p)));
        return p;
      },
      { timeoutMs: 30_000, what: 'recovery step complete' },
    );
    expect(recovery.phases.map((p) => p.name)).toEqual(['hello-0:[server]']);
    // The deploy plan stays COMPLETE: recovery, not deploy, owned the relaunch.
    expect((await plan(cluster, 'healthy', 'deploy')).status).toBe('COMPLETE');
  });
});
