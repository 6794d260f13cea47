import { lstat, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskInfo, TaskState } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import { taskInfo } from '../testing/task-info';
import { makeWorkDirReachable } from '../work-dir-access';
import { processParts } from './parts';
import { TaskRunner, type StatusReport } from './task-runner';
import { currentUser, systemUserLookup, type TaskUserPolicy } from './task-user';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
const asRoot = process.getuid?.() === 0 ? it : it.skip;
const FINAL: TaskState[] = ['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR'];

class Agent {
  readonly reports: StatusReport[] = [];
  recordFailures = 0;
  readonly runner: TaskRunner;

  constructor(
    readonly workDir: string,
    policy?: TaskUserPolicy,
  ) {
    this.runner = new TaskRunner({
      workDir,
      ...processParts(workDir, { pollIntervalMs: 50 }),
      onStatus: (r) => this.reports.push(r),
      onRecordWriteFailed: () => void this.recordFailures++,
      log: silent,
      ...(policy ? { users: { policy, lookup: systemUserLookup } } : {}),
    });
  }

  async final(taskId: string): Promise<StatusReport> {
    return eventually(
      () => {
        const r = this.reports.find((x) => x.taskId === taskId && FINAL.includes(x.state));
        if (!r) throw new Error(`no final status yet: ${this.reports.map((x) => x.state).join(', ')}`);
        return r;
      },
      { timeoutMs: 30_000 },
    );
  }
}

describe('TaskRunner trust boundaries', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'marshal-trust-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('does not start a task whose record cannot be written, and says why', async () => {
    const workDir = await mkdtemp(join(root, 'agent-'));
    const agent = new Agent(workDir);
    const marker = join(workDir, 'ran');
    const task = taskInfo({ goal: 'ONCE', cmd: `touch ${marker}` });
    // Where the record would go is a file: a real write failure, whoever the agent runs as.
    await mkdir(join(workDir, 'runner', 'tasks'), { recursive: true });
    await writeFile(join(workDir, 'runner', 'tasks', task.taskId), 'in the way');
    await agent.runner.launch(task);
    const final = await agent.final(task.taskId);
    expect(final.state).toBe('TASK_FAILED');
    expect(final.message).toMatch(/^not started: the agent could not record the task: /);
    expect(agent.recordFailures).toBeGreaterThan(0);
    expect(existsSync(marker)).toBe(false);
    expect(agent.reports.map((r) => r.state)).not.toContain('TASK_RUNNING');
    await agent.runner.detach();
  });

  it('replaces NUL and lone surrogates in check output before reporting it', async () => {
    const workDir = await mkdtemp(join(root, 'agent-'));
    const agent = new Agent(workDir);
    const task = taskInfo({
      cmd: 'sleep 30',
      readinessCheck: { cmd: "printf 'bad\\000out \\355\\240\\200 end'; exit 1", interval: 60, delay: 0, timeout: 10 },
    });
    await agent.runner.launch(task);
    const failed = await eventually(() => {
      const r = agent.reports.find((x) => x.message.startsWith('readiness check failed'));
      if (!r) throw new Error('no readiness result yet');
      return r;
    });
    expect(failed.message).not.toContain('\0');
    expect(failed.message).toContain('bad\uFFFDout');
    expect(failed.message).not.toMatch(/[\uD800-\uDFFF]/);
    await agent.runner.kill(task.taskId, 'done');
    await agent.runner.detach();
  });

  asRoot('runs a task, its checks and its volume as its user, never seeing what only root may read', async () => {
    const workDir = await mkdtemp(join(root, 'agent-'));
    makeWorkDirReachable(workDir, 0);
    const secret = join(workDir, 'tokens.json');
    await writeFile(secret, '{"admin":"s3cret"}', { mode: 0o600 });
    const agent = new Agent(workDir, { agent: currentUser(), defaultUser: 'nobody', allowRoot: false });
    const volume = { path: 'data', type: 'ROOT' as const, size: 10, persistenceId: 'p1', podLevel: false };
    const task: TaskInfo = taskInfo({
      user: 'nobody',
      cmd: `id -un > who; echo kept > data/file && echo written; cat ${secret} || echo denied; echo "$MESOS_SANDBOX" > where; sleep 30`,
      volumes: [volume],
      healthCheck: { cmd: 'test "$(id -un)" = nobody', interval: 1, delay: 0, timeout: 10, gracePeriod: 0, maxConsecutiveFailures: 3 },
    });
    await agent.runner.launch(task);
    await eventually(() => expect(agent.reports.some((r) => r.taskId === task.taskId && r.healthy === true)).toBe(true), { timeoutMs: 20_000 });
    const sandbox = join(workDir, 'sandboxes', task.taskId);
    expect((await readFile(join(sandbox, 'who'), 'utf8')).trim()).toBe('nobody');
    expect(agent.reports.find((r) => r.state === 'TASK_STARTING')?.message).toBe("preparing the sandbox (runs as 'nobody')");
    await eventually(async () => expect(await readFile(join(sandbox, 'stdout'), 'utf8')).toBe('written\ndenied\n'));
    expect(await readFile(join(sandbox, 'stderr'), 'utf8')).toContain('Permission denied');
    const nobody = systemUserLookup('nobody');
    expect((await stat(join(workDir, 'volumes', 'p1'))).uid).toBe(nobody?.uid);
    expect((await stat(join(workDir, 'volumes', 'p1', 'file'))).uid).toBe(nobody?.uid);
    expect((await lstat(sandbox)).uid).toBe(nobody?.uid);
    // The agent's own records stay its own.
    expect((await stat(join(workDir, 'runner', 'tasks'))).mode & 0o077).toBe(0);
    await agent.runner.kill(task.taskId, 'done');
    await agent.runner.detach();
  });

  asRoot('runs a task whose user is root (the SDK default) as the default user, unless root tasks are allowed', async () => {
    const workDir = await mkdtemp(join(root, 'agent-'));
    makeWorkDirReachable(workDir, 0);
    const unprivileged = new Agent(workDir, { agent: currentUser(), defaultUser: 'nobody', allowRoot: false });
    const asDefault = taskInfo({ goal: 'ONCE', user: 'root', cmd: 'id -un' });
    await unprivileged.runner.launch(asDefault);
    expect((await unprivileged.final(asDefault.taskId)).state).toBe('TASK_FINISHED');
    expect(await readFile(join(workDir, 'sandboxes', asDefault.taskId, 'stdout'), 'utf8')).toBe('nobody\n');
    const noUser = taskInfo({ goal: 'ONCE', cmd: 'id -un' });
    await unprivileged.runner.launch(noUser);
    await unprivileged.final(noUser.taskId);
    expect(await readFile(join(workDir, 'sandboxes', noUser.taskId, 'stdout'), 'utf8')).toBe('nobody\n');
    await unprivileged.runner.detach();

    const trusting = new Agent(await mkdtemp(join(root, 'agent-')), { agent: currentUser(), defaultUser: 'nobody', allowRoot: true });
    const asRootTask = taskInfo({ goal: 'ONCE', user: 'root', cmd: 'id -un' });
    await trusting.runner.launch(asRootTask);
    await trusting.final(asRootTask.taskId);
    expect(await readFile(join(trusting.workDir, 'sandboxes', asRootTask.taskId, 'stdout'), 'utf8')).toBe('root\n');
    await trusting.runner.detach();
  });

  it('refuses a task of a user the agent cannot be, with TASK_FAILED naming both users', async () => {
    const workDir = await mkdtemp(join(root, 'agent-'));
    const me = currentUser();
    // As seen by an agent that is not root (whoever runs this test).
    const agent = new Agent(workDir, { agent: { ...me, uid: me.uid === 0 ? 1000 : me.uid, name: 'alice' }, defaultUser: 'nobody', allowRoot: false });
    const task = taskInfo({ goal: 'ONCE', user: 'bob', cmd: 'true' });
    await agent.runner.launch(task);
    const final = await agent.final(task.taskId);
    expect(final.state).toBe('TASK_FAILED');
    expect(final.message).toBe("cannot start: the task must run as user 'bob', but the agent runs as 'alice' (not root) and can run tasks only as itself");
    await agent.runner.detach();
  });

  asRoot('refuses a task whose user does not exist', async () => {
    const agent = new Agent(await mkdtemp(join(root, 'agent-')), { agent: currentUser(), defaultUser: 'nobody', allowRoot: false });
    const task = taskInfo({ goal: 'ONCE', user: 'no-such-user-here', cmd: 'true' });
    await agent.runner.launch(task);
    const final = await agent.final(task.taskId);
    expect(final).toMatchObject({ state: 'TASK_FAILED', message: "cannot start: user 'no-such-user-here' does not exist on agent host" });
    await agent.runner.detach();
  });
});
