import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskInfo, TaskState } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import { taskInfo } from '../testing/task-info';
import { processParts } from './parts';
import { defaultTaskShell, resolveTaskShell } from './process.launcher';
import { TaskRunner, type StatusReport } from './task-runner';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** Whether `pid` runs (a zombie has ended: it only waits for its parent to collect it). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Running processes of session `sid`, from /proc. */
function sessionMembers(sid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const f = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) === sid && fields[0] !== 'Z' && fields[0] !== 'X') out.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/** The runner's record of a task: the wrapper's pid and, once `cmd` runs, the task's session. */
async function taskRecord(workDir: string, t: TaskInfo): Promise<{ handle: { pid: number; session?: { id: number } } }> {
  return JSON.parse(await readFile(join(workDir, 'runner', 'tasks', t.taskId, 'task.json'), 'utf8')) as {
    handle: { pid: number; session?: { id: number } };
  };
}

/**
 * A task leaving processes behind in every way a task can: a plain background child, one with no environment at all
 * (only its session ties it to the task) and one in a session of its own (only its environment does). Each writes
 * its pid to a file of the sandbox; `$$` is the session leader.
 */
const LITTERING =
  'sleep 1000 & echo $! > child; env -i /bin/sleep 1001 & echo $! > bare; setsid sleep 1002 & echo $! > escaped; echo $$ > leader; sleep 1003';
const LITTER = ['child', 'bare', 'escaped', 'leader'] as const;

class Agent {
  readonly reports: StatusReport[] = [];
  readonly runner: TaskRunner;

  constructor(
    readonly workDir: string,
    opts: { shell?: string } = {},
  ) {
    this.runner = new TaskRunner({
      workDir,
      ...processParts(workDir, { pollIntervalMs: 50, ...opts }),
      onStatus: (r) => this.reports.push(r),
      log: silent,
    });
  }

  statesOf(taskId: string): TaskState[] {
    return this.reports.filter((r) => r.taskId === taskId).map((r) => r.state);
  }

  async until(taskId: string, state: TaskState, timeoutMs = 30_000): Promise<StatusReport> {
    return eventually(
      () => {
        const r = this.reports.find((x) => x.taskId === taskId && x.state === state);
        if (!r) throw new Error(`states so far: ${this.statesOf(taskId).join(', ') || 'none'}`);
        return r;
      },
      { timeoutMs, what: `${state} of ${taskId}` },
    );
  }

  sandbox(t: TaskInfo): string {
    return join(this.workDir, 'sandboxes', t.taskId);
  }

  read(t: TaskInfo, file: string): Promise<string> {
    return readFile(join(this.sandbox(t), file), 'utf8');
  }
}

describe('TaskRunner with real processes', () => {
  let workDir: string;
  let agents: Agent[];

  const agent = (opts: { shell?: string } = {}): Agent => {
    const a = new Agent(workDir, opts);
    agents.push(a);
    return a;
  };

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'marshal-runner-'));
    agents = [];
  });

  afterEach(async () => {
    // Leave no process behind, whatever the test did.
    for (const a of agents) await Promise.all(a.runner.list().map(({ task }) => a.runner.kill(task.taskId, 'test over')));
    for (const a of agents) await a.runner.detach();
    await rm(workDir, { recursive: true, force: true });
  });

  it("runs cmd with the agent's shell -c in its sandbox with the task env plus MESOS_SANDBOX, into stdout and stderr files", async () => {
    const a = agent();
    const t = taskInfo({
      goal: 'FINISH',
      cmd: 'echo "out $GREETING"; echo "err $GREETING" >&2; pwd > where; echo "$MESOS_SANDBOX" > sandbox-var; echo "$0" > shell',
      env: { GREETING: 'hello world' },
    });
    await a.runner.launch(t);
    const done = await a.until(t.taskId, 'TASK_FINISHED');

    expect(a.statesOf(t.taskId)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    expect(done).toMatchObject({ exitCode: 0, taskName: t.taskName, service: 'svc' });
    expect(await a.read(t, 'stdout')).toBe('out hello world\n');
    expect(await a.read(t, 'stderr')).toBe('err hello world\n');
    expect((await a.read(t, 'where')).trim()).toBe(a.sandbox(t));
    expect((await a.read(t, 'sandbox-var')).trim()).toBe(a.sandbox(t));
    // bash where it exists, as on DC/OS agents (their sh was bash).
    expect((await a.read(t, 'shell')).trim()).toBe(defaultTaskShell());
    expect(defaultTaskShell()).toBe(existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh');
  });

  it.each([
    ['exit 0', 'TASK_FINISHED', 0, 'status 0'],
    ['exit 3', 'TASK_FAILED', 3, 'status 3'],
    ['exit 127', 'TASK_FAILED', 127, 'status 127'],
    ['kill -9 $$', 'TASK_FAILED', 137, 'SIGKILL'],
  ] as const)('maps `%s` to %s with exit code %d', async (cmd, state, exitCode, message) => {
    const a = agent();
    const t = taskInfo({ cmd, goal: 'ONCE' });
    await a.runner.launch(t);
    const r = await a.until(t.taskId, state);
    expect(r.exitCode).toBe(exitCode);
    expect(r.message).toContain(message);
    expect(a.runner.list()).toEqual([]);
  });

  it('keeps volume data across a relaunch with the same persistence id, and a new id starts empty', async () => {
    const a = agent();
    const volume = (persistenceId: string) => ({ path: 'data', type: 'ROOT' as const, size: 10, persistenceId, podLevel: false });
    const writer = taskInfo({ goal: 'ONCE', cmd: 'echo kept > data/file', volumes: [volume('p1')] });
    await a.runner.launch(writer);
    await a.until(writer.taskId, 'TASK_FINISHED');
    expect(readlinkSync(join(a.sandbox(writer), 'data'))).toBe(join(workDir, 'volumes', 'p1'));

    const same = taskInfo({ goal: 'ONCE', cmd: 'cat data/file', volumes: [volume('p1')] });
    const fresh = taskInfo({ goal: 'ONCE', cmd: 'ls -A data; test ! -e data/file', volumes: [volume('p2')] });
    // One after the other: both are hello-0-server, and launching a task name kills its predecessor still running.
    await a.runner.launch(same);
    await a.until(same.taskId, 'TASK_FINISHED');
    await a.runner.launch(fresh);
    await a.until(fresh.taskId, 'TASK_FINISHED');
    expect(await a.read(same, 'stdout')).toBe('kept\n');
    expect(await a.read(fresh, 'stdout')).toBe('');
  });

  it('places a MOUNT volume under its mount root', async () => {
    const a = agent();
    const mountRoot = join(workDir, 'disk1');
    const t = taskInfo({
      goal: 'ONCE',
      cmd: 'echo on-disk > vol/x',
      volumes: [{ path: 'vol', type: 'MOUNT', size: 100, persistenceId: 'm1', mountRoot, podLevel: false }],
    });
    await a.runner.launch(t);
    await a.until(t.taskId, 'TASK_FINISHED');
    expect(await readFile(join(mountRoot, 'm1', 'x'), 'utf8')).toBe('on-disk\n');
  });

  it('renders config templates against the task environment before cmd runs, without HTML escaping', async () => {
    const a = agent();
    const t = taskInfo({
      goal: 'ONCE',
      env: { PORT_FOO: '1984', FRAMEWORK_NAME: 'mysvc', RAW: '<a & "b">', OFF: 'False' },
      configs: [
        {
          name: 'config.xml',
          templatePath: 'config.xml.mustache',
          template: '<port>{{PORT_FOO}}</port><service>{{FRAMEWORK_NAME}}</service>{{RAW}}{{#OFF}}off{{/OFF}}|{{MESOS_SANDBOX}}',
          dest: 'etc/config.xml',
        },
      ],
      // Commands written for the original run the bootstrap helper first.
      cmd: './bootstrap --resolve=false && cat etc/config.xml',
    });
    await a.runner.launch(t);
    await a.until(t.taskId, 'TASK_FINISHED');
    expect(await a.read(t, 'stdout')).toBe(
      `<port>1984</port><service>mysvc</service><a & "b">|${a.sandbox(t)}`,
    );
    expect(await a.read(t, 'config-templates/config.xml')).toContain('{{PORT_FOO}}');
  });

  it('applies rlimits to the task process', async () => {
    const a = agent();
    const t = taskInfo({
      goal: 'ONCE',
      cmd: 'echo "$(ulimit -Sn) $(ulimit -Hn)"',
      rlimits: [{ name: 'RLIMIT_NOFILE', soft: 1234, hard: 2345 }],
    });
    await a.runner.launch(t);
    await a.until(t.taskId, 'TASK_FINISHED');
    expect(await a.read(t, 'stdout')).toBe('1234 2345\n');
  });

  it('gives a task trapping SIGTERM its grace period, then SIGKILLs it → TASK_KILLED', async () => {
    const a = agent();
    const t = taskInfo({
      killGracePeriod: 1,
      cmd: "trap 'echo got-term >> term' TERM; echo up > up; while :; do sleep 0.05; done",
    });
    await a.runner.launch(t);
    await eventually(() => a.read(t, 'up'));
    const began = Date.now();
    await a.runner.kill(t.taskId, 'operator asked');
    const took = Date.now() - began;

    const killed = a.reports.find((r) => r.taskId === t.taskId && r.state === 'TASK_KILLED');
    expect(killed?.message).toContain('operator asked');
    expect(await a.read(t, 'term')).toContain('got-term');
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(5000);
    expect(a.statesOf(t.taskId)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
  });

  it('ends a task that exits on SIGTERM without waiting out the grace period', async () => {
    const a = agent();
    const t = taskInfo({ killGracePeriod: 30, cmd: 'sleep 100' });
    await a.runner.launch(t);
    const began = Date.now();
    await a.runner.kill(t.taskId, 'scale down');
    expect(Date.now() - began).toBeLessThan(3000);
    expect(a.statesOf(t.taskId).at(-1)).toBe('TASK_KILLED');
  });

  it('kills and reports TASK_FAILED with healthy: false after max consecutive health check failures', async () => {
    const a = agent();
    const t = taskInfo({
      cmd: 'touch healthy; sleep 0.6; rm healthy; sleep 100',
      healthCheck: { cmd: 'test -e healthy', interval: 0.1, gracePeriod: 0, maxConsecutiveFailures: 3, delay: 0, timeout: 2 },
    });
    await a.runner.launch(t);
    const failed = await a.until(t.taskId, 'TASK_FAILED');

    expect(failed.healthy).toBe(false);
    expect(failed.message).toContain('health check failed 3 consecutive time(s)');
    const running = a.reports.filter((r) => r.taskId === t.taskId && r.state === 'TASK_RUNNING');
    expect(running.map((r) => r.healthy)).toEqual([undefined, true, false]);
    expect(a.runner.list()).toEqual([]);
  });

  it('ignores health check failures during the grace period', async () => {
    const a = agent();
    const t = taskInfo({
      cmd: 'sleep 0.5; touch healthy; sleep 100',
      healthCheck: { cmd: 'test -e healthy', interval: 0.1, gracePeriod: 3, maxConsecutiveFailures: 1, delay: 0, timeout: 2 },
    });
    await a.runner.launch(t);
    const healthy = await eventually(() => {
      const r = a.reports.find((x) => x.taskId === t.taskId && x.healthy === true);
      if (!r) throw new Error('not healthy yet');
      return r;
    });
    expect(healthy.state).toBe('TASK_RUNNING');
    expect(a.statesOf(t.taskId)).not.toContain('TASK_FAILED');
  });

  it('reports readiness check results with TASK_RUNNING when they change, until one passes', async () => {
    const a = agent();
    const t = taskInfo({
      cmd: 'sleep 0.6; touch ready; sleep 100',
      readinessCheck: { cmd: 'test -e ready', interval: 0.1, timeout: 2, delay: 0 },
    });
    await a.runner.launch(t);
    await eventually(() => {
      if (!a.reports.some((r) => r.taskId === t.taskId && r.readiness?.passed)) throw new Error('not ready yet');
    });
    const running = a.reports.filter((r) => r.taskId === t.taskId && r.state === 'TASK_RUNNING');
    expect(running.map((r) => r.readiness)).toEqual([undefined, { passed: false, exitCode: 1 }, { passed: true, exitCode: 0 }]);
  });

  it("keeps a task running the original's pause command (reference §1.6.4) never ready, until it is killed", async () => {
    const a = agent();
    const t = taskInfo({
      cmd: 'echo "This task is PAUSED, sleeping ..." && ./bootstrap --resolve=false && while true; do sleep 3600; done',
      readinessCheck: { cmd: 'exit 1', interval: 5, timeout: 5, delay: 0 },
    });
    await a.runner.launch(t);
    const notReady = await eventually(() => {
      const r = a.reports.find((x) => x.taskId === t.taskId && x.readiness);
      if (!r) throw new Error('no readiness result yet');
      return r;
    });
    expect(notReady).toMatchObject({ state: 'TASK_RUNNING', readiness: { passed: false, exitCode: 1 } });
    // The readiness check can fail before the shell has run its first command; kill the task once it has.
    await eventually(async () => expect(await a.read(t, 'stdout')).toContain('PAUSED'));
    await a.runner.kill(t.taskId, 'resume');
    expect(a.statesOf(t.taskId).at(-1)).toBe('TASK_KILLED');
  });

  it('reports TASK_ERROR naming the bad field of a malformed task, before touching the disk', async () => {
    const a = agent();
    const bad = taskInfo({ volumes: [{ path: '../escape', type: 'ROOT', size: 1, persistenceId: 'x', podLevel: false }] });
    await a.runner.launch(bad);
    const error = await a.until(bad.taskId, 'TASK_ERROR');
    expect(error.message).toContain("volumes[0].path '../escape'");
    expect(existsSync(a.sandbox(bad))).toBe(false);
  });

  it('stops the previous task of the same name before a relaunch in place, and launches each task id once', async () => {
    const a = agent();
    const first = taskInfo({ cmd: 'sleep 100' });
    await a.runner.launch(first);
    const second = taskInfo({ cmd: 'sleep 100' });
    await Promise.all([a.runner.launch(second), a.runner.launch(second)]);

    const order = a.reports.map((r) => `${r.taskId === first.taskId ? 'first' : 'second'}:${r.state}`);
    expect(order).toEqual([
      'first:TASK_STARTING',
      'first:TASK_RUNNING',
      'first:TASK_KILLED',
      'second:TASK_STARTING',
      'second:TASK_RUNNING',
    ]);
    expect(a.runner.list().map((x) => [x.task.taskId, x.state])).toEqual([[second.taskId, 'TASK_RUNNING']]);
    await a.runner.launch(first);
    expect(a.reports).toHaveLength(5);
  });

  it('reports nothing when killing an unknown or finished task', async () => {
    const a = agent();
    const t = taskInfo({ goal: 'ONCE', cmd: 'exit 0' });
    await a.runner.launch(t);
    await a.until(t.taskId, 'TASK_FINISHED');
    await a.runner.kill(t.taskId, 'late');
    await a.runner.kill('no-such-task', 'never ran');
    expect(a.reports).toHaveLength(3);
  });

  it('re-adopts a running task after detach() and a new runner, and reports the exit of one that ended meanwhile', async () => {
    const first = agent();
    const survivor = taskInfo({ taskName: 'hello-0-server', cmd: 'while [ ! -e stop ]; do sleep 0.05; done; exit 0' });
    const quitter = taskInfo({ taskName: 'hello-1-server', goal: 'ONCE', cmd: 'while [ ! -e stop ]; do sleep 0.05; done; exit 7' });
    const readyOne = taskInfo({
      taskName: 'hello-2-server',
      cmd: 'sleep 100',
      readinessCheck: { cmd: 'true', interval: 0.1, timeout: 1, delay: 0 },
    });
    await first.runner.launch(survivor);
    await first.runner.launch(quitter);
    await first.runner.launch(readyOne);
    await eventually(() => {
      if (!first.reports.some((r) => r.taskId === readyOne.taskId && r.readiness?.passed)) throw new Error('not ready');
    });
    await first.runner.detach();

    // The agent is down: one task ends, the others keep running.
    await writeFile(join(first.sandbox(quitter), 'stop'), '');
    await eventually(() => readFile(join(workDir, 'runner', 'tasks', quitter.taskId, 'exit'), 'utf8'));
    expect(first.statesOf(quitter.taskId)).toEqual(['TASK_STARTING', 'TASK_RUNNING']);

    const second = agent();
    const adopted = await second.runner.recover();
    expect(adopted.map((t) => t.taskId).sort()).toEqual([survivor.taskId, readyOne.taskId].sort());
    expect(second.reports).toEqual([
      expect.objectContaining({ taskId: quitter.taskId, state: 'TASK_FAILED', exitCode: 7 }),
    ]);
    expect(second.runner.list().map((x) => x.state)).toEqual(['TASK_RUNNING', 'TASK_RUNNING']);

    // Still monitored: its exit is noticed by the new runner, which never spawned it.
    await writeFile(join(first.sandbox(survivor), 'stop'), '');
    const finished = await second.until(survivor.taskId, 'TASK_FINISHED');
    expect(finished.exitCode).toBe(0);

    // And still killable, with no readiness re-run since it had passed before the restart.
    await second.runner.kill(readyOne.taskId, 'after restart');
    expect(second.statesOf(readyOne.taskId)).toEqual(['TASK_KILLED']);

    // A launch of an id that already ran is ignored by the new runner too.
    await second.runner.launch(quitter);
    expect(second.statesOf(quitter.taskId)).toEqual(['TASK_FAILED']);
  });

  it('adopts a task whose process started but whose handle the agent did not live to record, and runs it only once', async () => {
    const first = agent();
    const task = taskInfo({ cmd: 'echo started >> once && sleep 100' });
    await first.runner.launch(task);
    await first.until(task.taskId, 'TASK_RUNNING');
    await first.runner.detach();
    // The agent was killed between spawning the wrapper and writing its handle down: the record has none.
    const recordFile = join(workDir, 'runner', 'tasks', task.taskId, 'task.json');
    const { handle, ...withoutHandle } = JSON.parse(await readFile(recordFile, 'utf8')) as { handle?: { pid: number } };
    expect(handle?.pid).toBeGreaterThan(0);
    await writeFile(recordFile, JSON.stringify(withoutHandle));

    const second = agent();
    expect((await second.runner.recover()).map((t) => t.taskId)).toEqual([task.taskId]);
    expect(second.reports).toEqual([]);
    expect(second.runner.list()).toEqual([{ task, state: 'TASK_RUNNING' }]);
    // The handle found is the wrapper's, written down again for the next restart.
    expect((JSON.parse(await readFile(recordFile, 'utf8')) as { handle?: { pid: number } }).handle?.pid).toBe(handle?.pid);
    await second.runner.kill(task.taskId, 'test over');
    expect(second.statesOf(task.taskId)).toEqual(['TASK_KILLED']);
    expect(await first.read(task, 'once')).toBe('started\n');
  });

  it('reports TASK_FAILED for a launch the agent recorded but did not start', async () => {
    // The record written before the sandbox is prepared: the agent died before it spawned anything.
    const task = taskInfo({ cmd: 'sleep 100' });
    const dir = join(workDir, 'runner', 'tasks', task.taskId);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'task.json'), JSON.stringify({ version: 1, task, sandbox: join(workDir, 'sandboxes', task.taskId), state: 'TASK_STARTING' }));

    const a = agent();
    expect(await a.runner.recover()).toEqual([]);
    expect(a.reports).toEqual([expect.objectContaining({ taskId: task.taskId, state: 'TASK_FAILED', message: "the agent stopped before the task's command was started" })]);
  });

  describe('shell', () => {
    it('runs a bash trap on SIGTERM (specs written for DC/OS agents), then reports TASK_KILLED', async () => {
      const a = agent();
      const t = taskInfo({
        killGracePeriod: 5,
        cmd: "trap 'echo goodbye > $MESOS_SANDBOX/bye; exit 0' SIGTERM; while true; do sleep 0.1; done",
      });
      await a.runner.launch(t);
      await a.until(t.taskId, 'TASK_RUNNING');
      // TASK_RUNNING means the shell started, not that it has set its trap yet: wait for the loop's first sleep.
      await eventually(async () => {
        const { handle } = await taskRecord(workDir, t);
        expect(sessionMembers(handle.session?.id ?? -1).length).toBeGreaterThanOrEqual(2);
      });
      const began = Date.now();
      await a.runner.kill(t.taskId, 'scale down');

      expect(await a.read(t, 'bye')).toBe('goodbye\n');
      // The trap ended it: no waiting out the grace period.
      expect(Date.now() - began).toBeLessThan(4000);
      expect(a.statesOf(t.taskId)).toEqual(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLED']);
      expect(await a.read(t, 'stderr')).not.toContain('bad trap');
    });

    it('runs health and readiness checks with the same shell', async () => {
      const a = agent();
      const t = taskInfo({
        cmd: 'touch ready; sleep 100',
        readinessCheck: { cmd: '[[ -e ready && $0 == */bash ]]', interval: 0.1, timeout: 2, delay: 0 },
      });
      await a.runner.launch(t);
      const ready = await eventually(() => {
        const r = a.reports.find((x) => x.taskId === t.taskId && x.readiness?.passed);
        if (!r) throw new Error(JSON.stringify(a.reports.map((x) => x.readiness)));
        return r;
      });
      expect(ready.readiness).toEqual({ passed: true, exitCode: 0 });
    });

    it('runs cmd with the configured shell instead', async () => {
      const a = agent({ shell: '/bin/sh' });
      const t = taskInfo({ goal: 'ONCE', cmd: 'echo "$0" > shell' });
      await a.runner.launch(t);
      await a.until(t.taskId, 'TASK_FINISHED');
      expect((await a.read(t, 'shell')).trim()).toBe('/bin/sh');
    });

    it.each([
      ['/no/such/shell', "'/no/such/shell' is not an executable file"],
      ['/tmp', "'/tmp' is not an executable file"],
      ['bash', "'bash' must be an absolute path"],
    ])('refuses the shell %s: %s', (shell, error) => {
      expect(resolveTaskShell(shell)).toEqual({ error });
      expect(() => agent({ shell })).toThrow(error);
    });
  });

  describe('no orphaned task processes', () => {
    const pidsOf = async (a: Agent, t: TaskInfo): Promise<Record<(typeof LITTER)[number], number>> =>
      eventually(async () => {
        const entries = await Promise.all(LITTER.map(async (f) => [f, Number((await a.read(t, f)).trim())] as const));
        return Object.fromEntries(entries) as Record<(typeof LITTER)[number], number>;
      });
    const record = (t: TaskInfo) => taskRecord(workDir, t);
    const expectAllGone = async (pids: Record<string, number>, sid: number) => {
      await eventually(() => {
        expect(Object.entries(pids).filter(([, pid]) => running(pid))).toEqual([]);
        expect(sessionMembers(sid)).toEqual([]);
      });
    };

    it('records the session of the task and ends all of it when the wrapper is SIGKILLed', async () => {
      const a = agent();
      const t = taskInfo({ cmd: LITTERING });
      await a.runner.launch(t);
      await a.until(t.taskId, 'TASK_RUNNING');
      const pids = await pidsOf(a, t);
      const { handle } = await eventually(async () => {
        const r = await record(t);
        if (!r.handle.session) throw new Error('no session recorded yet');
        return r;
      });
      expect(handle.session?.id).toBe(pids.leader);
      expect(sessionMembers(pids.leader)).toEqual(expect.arrayContaining([pids.leader, pids.child, pids.bare]));

      process.kill(handle.pid, 'SIGKILL');
      const failed = await a.until(t.taskId, 'TASK_FAILED');
      expect(failed.message).toContain('wrapper ended without recording an exit status');
      await expectAllGone(pids, pids.leader);
      expect(a.runner.list()).toEqual([]);
    });

    it('ends all of it when the wrapper died while the agent was down (recover)', async () => {
      const first = agent();
      const t = taskInfo({ cmd: LITTERING });
      await first.runner.launch(t);
      await first.until(t.taskId, 'TASK_RUNNING');
      const pids = await pidsOf(first, t);
      await eventually(async () => {
        if (!(await record(t)).handle.session) throw new Error('no session recorded yet');
      });
      await first.runner.detach();
      const { handle } = await record(t);
      process.kill(handle.pid, 'SIGKILL');
      await eventually(() => expect(running(handle.pid)).toBe(false));
      // Nobody watches: the task's processes live on until an agent comes back.
      expect(Object.values(pids).every(running)).toBe(true);

      const second = agent();
      expect(await second.runner.recover()).toEqual([]);
      expect(second.reports).toEqual([expect.objectContaining({ taskId: t.taskId, state: 'TASK_FAILED' })]);
      await expectAllGone(pids, pids.leader);
    });

    it.each([
      ['is killed', 'killed'],
      ['exits', 'exits'],
    ] as const)('ends what the task started in other sessions when it %s', async (_, how) => {
      const a = agent();
      const t = taskInfo({ cmd: `${LITTERING.replace('sleep 1003', '')} while [ ! -e stop ]; do sleep 0.05; done` });
      await a.runner.launch(t);
      const pids = await pidsOf(a, t);
      if (how === 'killed') await a.runner.kill(t.taskId, 'scale down');
      else await writeFile(join(a.sandbox(t), 'stop'), '');
      await a.until(t.taskId, how === 'killed' ? 'TASK_KILLED' : 'TASK_FINISHED');
      await expectAllGone(pids, pids.leader);
    });

    it('ends the processes of a task no record accounts for at recovery, and nothing the agent did not start', async () => {
      const first = agent();
      const t = taskInfo({ cmd: LITTERING });
      await first.runner.launch(t);
      await first.until(t.taskId, 'TASK_RUNNING');
      const pids = await pidsOf(first, t);
      await first.runner.detach();
      await rm(join(workDir, 'runner', 'tasks', t.taskId), { recursive: true });
      // Someone else's process, working in the same sandbox.
      const bystander = spawn('sleep', ['1000'], { cwd: first.sandbox(t), stdio: 'ignore' });
      try {
        const second = agent();
        expect(await second.runner.recover()).toEqual([]);
        // Found by the environment the agent gave them; the one without an environment by its session.
        await eventually(() => expect(Object.entries(pids).filter(([, pid]) => running(pid))).toEqual([]));
        expect(running(bystander.pid ?? -1)).toBe(true);
      } finally {
        bystander.kill('SIGKILL');
      }
    });
  });
});
