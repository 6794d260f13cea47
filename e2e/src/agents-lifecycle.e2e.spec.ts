import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from '@marshal/testing';
import { startCluster, type Cluster, type PlanBody } from './support';

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/**
 * Agents run real processes, gate steps on readiness checks, re-adopt their tasks after a restart, and are
 * reported lost (their tasks TASK_LOST) when they stop heart-beating.
 */
describe('agents with real processes', () => {
  let cluster: Cluster;
  let db: Client;
  const dir = mkdtempSync(join(tmpdir(), 'marshal-agents-'));

  interface TaskRow {
    task_id: string;
    agent_id: string;
  }
  const task = async (name: string, service = 'ready'): Promise<TaskRow> =>
    eventually(async () => {
      const rows = (await db.query(`SELECT task_id, agent_id FROM tasks WHERE service = $1 AND task_name = $2 AND state = 'TASK_RUNNING'`, [service, name])).rows;
      if (rows.length !== 1) throw new Error(`${name} is not running`);
      return rows[0] as TaskRow;
    });
  const agentRow = async (agentId: string): Promise<{ lost: boolean }> => (await db.query(`SELECT lost FROM agents WHERE agent_id = $1`, [agentId])).rows[0];
  const steps = async (): Promise<Record<string, string>> => {
    const plan = (await cluster.get<PlanBody>('/v1/service/ready/plans/deploy')).body;
    return Object.fromEntries(plan.phases[0].steps.map((s) => [s.name, s.status]));
  };
  const statesOf = async (taskId: string): Promise<string[]> =>
    (await db.query(`SELECT data->>'state' AS state FROM events WHERE type = 'TaskStatusUpdated' AND data->>'taskId' = $1 ORDER BY seq`, [taskId])).rows.map(
      (r: { state: string }) => r.state,
    );
  const pidOf = (t: TaskRow): number => Number(readFileSync(join(cluster.ensemble.agentDir(t.agent_id), 'runner', 'tasks', t.task_id, 'pid'), 'utf8').trim());
  const markReady = (t: TaskRow): void => writeFileSync(join(cluster.ensemble.agentDir(t.agent_id), 'sandboxes', t.task_id, 'ready'), '');

  beforeAll(async () => {
    cluster = await startCluster([
      { id: 'n1', zone: 'zone-a' },
      { id: 'n2', zone: 'zone-b' },
    ]);
    db = new Client({ connectionString: cluster.db.url });
    await db.connect();
    const pkg = join(dir, 'ready');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'marathon.json.mustache'), '{ "id": "ready", "env": {} }\n');
    const solo = join(dir, 'solo');
    mkdirSync(solo);
    writeFileSync(join(solo, 'marathon.json.mustache'), '{ "id": "solo", "env": {} }\n');
    writeFileSync(join(solo, 'svc.yml'), 'name: solo\npods:\n  one:\n    count: 1\n    tasks:\n      server:\n        goal: RUNNING\n        cmd: sleep 1000\n        cpus: 0.1\n        memory: 32\n');
    writeFileSync(
      join(pkg, 'svc.yml'),
      [
        'name: ready',
        'pods:',
        '  web:',
        '    count: 2',
        "    placement: 'hostname:UNIQUE'",
        '    tasks:',
        '      server:',
        '        goal: RUNNING',
        '        cmd: sleep 1000',
        '        cpus: 0.1',
        '        memory: 32',
        '        readiness-check:',
        '          cmd: test -f ready',
        '          interval: 1',
        '          delay: 0',
        '          timeout: 5',
        '',
      ].join('\n'),
    );
    expect(await cluster.cli('install', pkg)).toMatchObject({ code: 0, stderr: '' });
  });
  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
  });

  it('a readiness check gates its step: the next step waits until the check passes', async () => {
    const web0 = await task('web-0-server');
    await eventually(async () => expect(await steps()).toEqual({ 'web-0:[server]': 'STARTED', 'web-1:[server]': 'PENDING' }), { timeoutMs: 30_000 });
    // STARTING, RUNNING, then RUNNING with the failed readiness result: the check ran, failed, and the step waits.
    await eventually(async () => expect((await statesOf(web0.task_id)).length).toBeGreaterThanOrEqual(3), { timeoutMs: 10_000 });
    expect(await steps()).toEqual({ 'web-0:[server]': 'STARTED', 'web-1:[server]': 'PENDING' });

    markReady(web0);
    await eventually(async () => expect(await steps()).toEqual({ 'web-0:[server]': 'COMPLETE', 'web-1:[server]': 'STARTED' }), { timeoutMs: 30_000 });
    markReady(await task('web-1-server'));
    await cluster.waitForPlan('ready', 'deploy', 'COMPLETE');
  });

  it('an agent killed and started again leaves its task running and adopts it', async () => {
    const web0 = await task('web-0-server');
    const pid = pidOf(web0);
    expect(alive(pid)).toBe(true);
    const agent = cluster.ensemble.process(`agent-${web0.agent_id}`);
    await agent.kill();
    expect(alive(pid)).toBe(true);
    agent.start();
    await eventually(
      async () => {
        const n = (await db.query(`SELECT count(*)::int AS n FROM events WHERE type = 'AgentRegistered' AND data->>'agentId' = $1`, [web0.agent_id])).rows[0].n;
        expect(n).toBe(2);
      },
      { timeoutMs: 20_000, what: 'the agent registered again' },
    );
    expect(alive(pid)).toBe(true);
    // Nothing was launched again, and the plan never noticed.
    expect((await task('web-0-server')).task_id).toBe(web0.task_id);
    expect((await cluster.get<PlanBody>('/v1/service/ready/plans/deploy')).body.status).toBe('COMPLETE');

    // Adopted means watched: the restarted agent reports the process's death.
    process.kill(pid, 'SIGKILL');
    await eventually(async () => expect(await statesOf(web0.task_id)).toContain('TASK_FAILED'), { timeoutMs: 20_000, what: 'TASK_FAILED reported' });
    const failed = (await db.query(`SELECT data FROM events WHERE type = 'TaskStatusUpdated' AND data->>'taskId' = $1 AND data->>'state' = 'TASK_FAILED'`, [web0.task_id])).rows[0].data;
    expect(failed).toMatchObject({ agentId: web0.agent_id, exitCode: 137 });
  });

  it('an agent that stops heart-beating is reported lost with its tasks TASK_LOST, and comes back without them', async () => {
    const web1 = await task('web-1-server');
    const pid = pidOf(web1);
    const agent = cluster.ensemble.process(`agent-${web1.agent_id}`);
    await agent.kill();
    await eventually(async () => expect(await statesOf(web1.task_id)).toContain('TASK_LOST'), { timeoutMs: 30_000, what: 'TASK_LOST reported' });
    expect(await agentRow(web1.agent_id)).toEqual({ lost: true });
    expect(alive(pid)).toBe(true);

    // Back again: it registers (no longer lost) and stops the task the log gave up on.
    agent.start();
    await eventually(
      async () => {
        expect(await agentRow(web1.agent_id)).toEqual({ lost: false });
        expect(alive(pid)).toBe(false);
      },
      { timeoutMs: 30_000, what: 'agent back and the lost task stopped' },
    );
  });

  it('an agent paused past the timeout is reported lost, and when it resumes registers again and stops the lost task', async () => {
    expect(await cluster.cli('install', join(dir, 'solo'))).toMatchObject({ code: 0, stderr: '' });
    await cluster.waitForPlan('solo', 'deploy', 'COMPLETE');
    const one = await task('one-0-server', 'solo');
    const pid = pidOf(one);
    const agent = cluster.ensemble.process(`agent-${one.agent_id}`);
    process.kill(agent.pid as number, 'SIGSTOP');
    try {
      await eventually(async () => expect(await statesOf(one.task_id)).toContain('TASK_LOST'), { timeoutMs: 30_000, what: 'TASK_LOST reported' });
      expect(await agentRow(one.agent_id)).toEqual({ lost: true });
    } finally {
      process.kill(agent.pid as number, 'SIGCONT');
    }
    // Its next heartbeat is answered "you are lost": it registers again and stops what the log gave up on.
    await eventually(
      async () => {
        expect(await agentRow(one.agent_id)).toEqual({ lost: false });
        expect(alive(pid)).toBe(false);
        expect(await statesOf(one.task_id)).toEqual(expect.arrayContaining(['TASK_LOST', 'TASK_KILLED']));
      },
      { timeoutMs: 30_000, what: 'agent registered again and the lost task stopped' },
    );
    expect(agent.running).toBe(true);
  });
});
