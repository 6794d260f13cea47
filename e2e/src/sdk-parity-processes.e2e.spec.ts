import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, processesUnder } from '@marshal/testing';
import { startCluster, type Cluster, type PlanBody } from './support';
import { podTasks, relaunched, sandboxFile, universePackage, writeOptions } from './plans-support';

/**
 * Tasks run as DC/OS agents ran them, with real agents: the SDK's `graceful-shutdown.yml` (a bash `trap … SIGTERM`
 * handler) says goodbye within its kill grace period, and a task whose wrapper is SIGKILLed leaves no process behind
 * (reference §3.4; the agent's task shell and process model, apps/agent/src/runner/README.md).
 */
describe('tasks run as DC/OS agents ran them', () => {
  let cluster: Cluster;
  const AGENTS = ['agent-1'];
  const SERVICE = 'graceful';

  beforeAll(async () => {
    cluster = await startCluster(AGENTS.map((id) => ({ id })));
    const pkg = universePackage('graceful-shutdown.yml');
    const installed = await cluster.cli('install', pkg, '--name', SERVICE, '--options', writeOptions({ hello: { kill_grace_period: 10 } }));
    expect(installed.code).toBe(0);
    await eventually(
      async () => {
        const r = await cluster.get<PlanBody>(`/v1/service/${SERVICE}/plans/deploy`);
        if (r.body.status !== 'COMPLETE') throw new Error(JSON.stringify(r.body).slice(0, 300));
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'graceful deploy COMPLETE' },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const running = async (): Promise<string> =>
    eventually(
      async () => {
        const t = (await podTasks(cluster, SERVICE, 'hello-0')).find((x) => x.name === 'hello-0-server');
        if (t?.status !== 'RUNNING') throw new Error(JSON.stringify(t));
        return t.id;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'hello-0-server RUNNING' },
    );

  /** The processes of a task: whatever runs in its sandbox (the task's shell and its children). */
  const processesOf = (taskId: string) => processesUnder(join(cluster.ensemble.agentDir('agent-1'), 'sandboxes', taskId));

  it("a bash trap … SIGTERM handler runs under the kill grace period: the task's goodbye is in its stdout", async () => {
    const first = await running();
    // The handler is bash syntax (`trap terminated SIGTERM` with a function): under dash it would fail at once.
    await eventually(async () => expect(sandboxFile(cluster, AGENTS, first, 'stdout')).toContain('trapping SIGTERM'), { timeoutMs: 20_000 });
    const r = await cluster.cli('--name', SERVICE, 'pod', 'restart', 'hello-0');
    expect(r.code).toBe(0);
    await relaunched(cluster, SERVICE, 'hello-0', 'hello-0-server', first);
    const out = sandboxFile(cluster, AGENTS, first, 'stdout');
    expect(out).toContain('received SIGTERM, zzz for 3 ...');
    expect(out).toContain('... all clean, peace out');
    expect(processesOf(first)).toEqual([]);
  });

  it('a task whose wrapper is SIGKILLed is reported ended and relaunched, and no process of it survives', async () => {
    const task = await running();
    expect(processesOf(task).length).toBeGreaterThan(0);
    const wrapper = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .find((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return cmd.includes('marshal-task') && cmd.includes(task);
        } catch {
          return false; // the process ended while the list was read
        }
      });
    expect(wrapper).toBeDefined();
    process.kill(Number(wrapper), 'SIGKILL');
    const next = await relaunched(cluster, SERVICE, 'hello-0', 'hello-0-server', task);
    await eventually(async () => expect(processesOf(task)).toEqual([]), { timeoutMs: 20_000, what: 'every process of the killed task gone' });
    expect(processesOf(next.id).length).toBeGreaterThan(0);
  });
});
