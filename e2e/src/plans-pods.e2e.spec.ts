import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from '@marshal/testing';
import { root, startCluster, type Cluster } from './support';
import { command, plan, podTasks, relaunched, sandboxFile } from './plans-support';

const AGENTS = ['agent-1', 'agent-2', 'agent-3'];
const OUTPUT = 'hello-container-path/output';

/** Pod restart keeps the volume, pod replace starts a fresh one, pause and resume (reference §6.3, §1.6.4). */
describe('pod commands with real agents', () => {
  let cluster: Cluster;
  let taskId = '';

  beforeAll(async () => {
    cluster = await startCluster(AGENTS.map((id, i) => ({ id, zone: `zone-${i}` })));
    expect((await cluster.cli('install', join(root, 'examples', 'hello-world'))).code).toBe(0);
    await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE');
    taskId = (await podTasks(cluster, 'hello-world', 'hello-0'))[0].id;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('pod restart relaunches hello-0 in place: the task appends to the same volume', async () => {
    expect(sandboxFile(cluster, AGENTS, taskId, OUTPUT)).toBe('hello\n');
    const r = await cluster.cli('pod', 'restart', 'hello-0');
    expect(r).toMatchObject({ code: 0, stdout: '{\n  "pod": "hello-0",\n  "tasks": [\n    "hello-0-server"\n  ]\n}\n' });
    const after = await relaunched(cluster, 'hello-world', 'hello-0', 'hello-0-server', taskId);
    expect(await eventually(() => expect(sandboxFile(cluster, AGENTS, after.id, OUTPUT)).toBe('hello\nhello\n'))).toBeUndefined();
    const recovery = await cluster.waitForPlan('hello-world', 'recovery', 'COMPLETE');
    expect(recovery.phases.map((p) => `${p.name} ${p.status}`)).toEqual(['hello-0:[server] COMPLETE']);
    taskId = after.id;
  });

  it('pod replace relaunches hello-0 with fresh reservations and a fresh volume', async () => {
    expect((await cluster.cli('pod', 'replace', 'hello-0')).code).toBe(0);
    const after = await relaunched(cluster, 'hello-world', 'hello-0', 'hello-0-server', taskId);
    await eventually(() => expect(sandboxFile(cluster, AGENTS, after.id, OUTPUT)).toBe('hello\n'));
    await cluster.waitForPlan('hello-world', 'recovery', 'COMPLETE');
    expect((await plan(cluster, 'hello-world', 'deploy')).status).toBe('COMPLETE');
    taskId = after.id;
  });

  it('debug pod pause idles the task (PAUSED); resume relaunches its own command (RUNNING)', async () => {
    expect((await cluster.cli('debug', 'pod', 'pause', 'hello-0')).code).toBe(0);
    const paused = await relaunched(cluster, 'hello-world', 'hello-0', 'hello-0-server', taskId, 'PAUSED');
    expect((await cluster.cli('pod', 'status', 'hello-0')).stdout).toBe('hello-0\n└─ hello-0-server (PAUSED)\n');
    const info = (await cluster.get<{ info: { cmd: string } }[]>('/v1/pod/hello-0/info?view=marshal')).body;
    expect(info[0].info.cmd).toContain('./bootstrap --resolve=false');
    expect((await plan(cluster, 'hello-world', 'deploy')).phases[0].steps[0].status).toBe('PAUSED');

    expect((await cluster.cli('debug', 'pod', 'resume', 'hello-0', '-t', 'server')).code).toBe(0);
    const resumed = await relaunched(cluster, 'hello-world', 'hello-0', 'hello-0-server', paused.id);
    expect((await cluster.get<{ info: { cmd: string } }[]>('/v1/pod/hello-0/info?view=marshal')).body[0].info.cmd).toContain('echo hello');
    await eventually(() => expect(sandboxFile(cluster, AGENTS, resumed.id, OUTPUT)).toBe('hello\nhello\n'));
    expect((await cluster.cli('pod', 'status')).stdout).toBe('hello-world\n└─ hello\n   └─ hello-0\n      └─ hello-0-server (RUNNING)\n');
  });

  it('answers an unknown pod with 404 Pod <name> not found, naming the pods there are and the closest', async () => {
    const r = await cluster.cli('pod', 'restart', 'hello-9');
    expect(r).toMatchObject({ code: 5, stderr: 'Pod hello-9 not found. Did you mean hello-0? Pods: hello-0.\n' });
  });

  it('uninstall replaces the plans by the uninstall plan named deploy; once it completes the service is gone', async () => {
    const running = (await podTasks(cluster, 'hello-world', 'hello-0'))[0];
    await command(cluster, 'service.uninstall', { meta: { commandId: 'uninstall', actor: 'admin:e2e', correlationId: 'uninstall' }, service: 'hello-world' });
    await eventually(
      async () => {
        const services = (await cluster.get<{ name: string }[]>('/v1/services')).body;
        if (services.length) throw new Error(JSON.stringify(services));
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'hello-world removed' },
    );
    const db = new Client({ connectionString: cluster.db.url });
    await db.connect();
    try {
      const rows = (await db.query(`SELECT type, data FROM events WHERE service = 'hello-world' ORDER BY seq`)).rows as { type: string; data: Record<string, unknown> }[];
      const types = rows.map((r) => r.type);
      expect(types.slice(types.indexOf('ServiceUninstallStarted')).filter((t) => t !== 'PlanStatusChanged' && t !== 'StepStatusChanged')).toEqual(
        expect.arrayContaining(['ServiceUninstallStarted', 'PlanRemoved', 'PlanGenerated', 'TaskKillRequested', 'ServiceRemoved']),
      );
      const uninstall = rows.find((r) => r.type === 'PlanGenerated' && types.indexOf('ServiceUninstallStarted') < rows.indexOf(r));
      const phases = (uninstall?.data as { plan: { phases: { name: string; steps: { name: string }[] }[] } }).plan.phases;
      expect(phases.map((p) => p.name)).toEqual(['kill-tasks', expect.stringMatching(/^unreserve-resources-agent-\d$/), 'deregister-service']);
      expect(phases[0].steps.map((st) => st.name)).toEqual([`kill-task-${running.id}`]);
      expect(rows.some((r) => r.type === 'TaskStatusUpdated' && r.data['taskId'] === running.id && r.data['state'] === 'TASK_KILLED')).toBe(true);
      expect((await db.query(`SELECT count(*) AS n FROM reservations WHERE service = 'hello-world'`)).rows[0].n).toBe('0');
      // The finished service keeps its final plan, the uninstall plan named deploy, read-only (reference §3.6).
      expect((await db.query(`SELECT name, status FROM plans WHERE service = 'hello-world'`)).rows).toEqual([{ name: 'deploy', status: 'COMPLETE' }]);
    } finally {
      await db.end();
    }
  });
});
