import { existsSync } from 'node:fs';
import { taskInfo } from '../testing/task-info';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { GoalState, TaskInfo, TaskState } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import { simulatedParts } from './parts';
import { SimulatedLauncher } from './simulated.launcher';
import { TaskRunner, type StatusReport } from './task-runner';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

let seq = 0;
/** A task whose every part would touch the disk or the network if it were run for real. */
function simulatedTask(overrides: Partial<TaskInfo> = {}): TaskInfo {
  seq += 1;
  const taskName = overrides.taskName ?? `hello-${seq}-server`;
  return taskInfo({
    taskId: `svc__${taskName}__${seq}`,
    taskName,
    podIndex: seq,
    cmd: 'this is never run',
    env: {},
    volumes: [{ path: 'data', type: 'ROOT', size: 10, persistenceId: `p${seq}`, podLevel: false }],
    configs: [{ name: 'c', templatePath: 'c.mustache', template: '{{X}}', dest: 'conf/c' }],
    uris: ['http://127.0.0.1:1/never-fetched.tgz'],
    killGracePeriod: 30,
    ...overrides,
  });
}

describe('TaskRunner with the simulated launcher', () => {
  // A directory that must stay absent: simulated tasks touch no filesystem.
  const workDir = join(tmpdir(), `marshal-simulated-${process.pid}-never-created`);
  let reports: StatusReport[];
  let runner: TaskRunner;

  const setup = (failureRate = 0) => {
    reports = [];
    runner = new TaskRunner({
      workDir,
      ...simulatedParts({ startLatencyMs: 5, failureRate, random: () => 0.5 }),
      onStatus: (r) => reports.push(r),
      log: silent,
    });
  };
  const states = (t: TaskInfo): TaskState[] => reports.filter((r) => r.taskId === t.taskId).map((r) => r.state);
  const until = (t: TaskInfo, state: TaskState) =>
    eventually(() => {
      const r = reports.find((x) => x.taskId === t.taskId && x.state === state);
      if (!r) throw new Error(states(t).join(', '));
      return r;
    });

  afterEach(async () => {
    await runner.detach();
    expect(existsSync(workDir)).toBe(false);
  });

  it('runs a RUNNING-goal task until it is killed, without a grace period to wait for', async () => {
    setup();
    const t = simulatedTask();
    await runner.launch(t);
    expect(states(t)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);
    expect(runner.list()).toEqual([{ task: t, state: 'TASK_RUNNING' }]);
    await runner.kill(t.taskId, 'done with it');
    expect(states(t)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
    expect(runner.list()).toEqual([]);
  });

  it.each<[GoalState, TaskState, number]>([
    ['FINISH', 'TASK_FINISHED', 0],
    ['ONCE', 'TASK_FINISHED', 0],
  ])('ends a %s-goal task on its own: %s with exit code %d', async (goal, state, exitCode) => {
    setup();
    const t = simulatedTask({ goal });
    await runner.launch(t);
    expect((await until(t, state)).exitCode).toBe(exitCode);
    expect(states(t)).toEqual(['TASK_STARTING', 'TASK_RUNNING', state]);
  });

  it('fails tasks with the configured probability', async () => {
    setup(0.6); // random() is 0.5 < 0.6
    const t = simulatedTask();
    await runner.launch(t);
    const failed = await until(t, 'TASK_FAILED');
    expect(failed.exitCode).toBe(1);
  });

  it('passes readiness checks without running anything', async () => {
    setup();
    const t = simulatedTask({ readinessCheck: { cmd: 'exit 1', interval: 0.1, timeout: 1, delay: 0 } });
    await runner.launch(t);
    await eventually(() => {
      if (!reports.some((r) => r.taskId === t.taskId && r.readiness?.passed)) throw new Error('not ready');
    });
    expect(reports.filter((r) => r.taskId === t.taskId).map((r) => r.readiness)).toEqual([
      undefined,
      undefined,
      { passed: true, exitCode: 0 },
    ]);
  });

  it('reports a kill that comes before the task ran as TASK_KILLED without TASK_RUNNING', async () => {
    setup();
    const t = simulatedTask();
    const launched = runner.launch(t);
    await runner.kill(t.taskId, 'changed my mind');
    await launched;
    expect(states(t)).toEqual(['TASK_STARTING', 'TASK_KILLED']);
  });

  it('hosts a thousand tasks cheaply', async () => {
    setup();
    const tasks = Array.from({ length: 1000 }, () => simulatedTask());
    await Promise.all(tasks.map((t) => runner.launch(t)));
    expect(runner.list()).toHaveLength(1000);
    expect(reports.filter((r) => r.state === 'TASK_RUNNING')).toHaveLength(1000);
    await Promise.all(tasks.map((t) => runner.kill(t.taskId, 'scale test over')));
    expect(reports.filter((r) => r.state === 'TASK_KILLED')).toHaveLength(1000);
  });

  it('recovers nothing: simulated tasks do not outlive their runner', async () => {
    setup();
    expect(await runner.recover()).toEqual([]);
  });

  it('rejects a failure rate outside 0…1', () => {
    setup();
    expect(() => new SimulatedLauncher({ startLatencyMs: 1, failureRate: 2, random: Math.random })).toThrow(
      'failureRate must be between 0 and 1, got 2',
    );
  });
});
