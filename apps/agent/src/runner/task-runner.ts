import { constants as osConstants } from 'node:os';
import { sanitizeWorldText, type ReadinessCheckSpec, type TaskInfo, type TaskState } from '@marshal/contracts';
import { CheckLoop, HealthTracker, describeCheckResult, remainingDelayMs } from './checks';
import type { ExitResult, Launcher, ProcessHandle, TaskProcess } from './launcher';
import type { FinalStatus, KillIntent, TaskRecord, TaskStore } from './runner-state';
import { taskUser, type TaskUserPolicy, type UserIdentity, type UserLookup } from './task-user';
import { invalidTaskReason, sandboxDir, sandboxesRoot, taskEnvironment, type SandboxPreparer } from './sandbox';
import {
  PREPARING,
  killIntentOf,
  nextLifecycle,
  nextRunnerPhase,
  recoveredLifecycle,
  type RunnerPhase,
  type TaskLifecycle,
  type TaskLifecycleEvent,
} from './task-lifecycle';

export interface StatusReport {
  taskId: string;
  taskName: string;
  service: string;
  state: TaskState;
  message: string;
  readiness?: { passed: boolean; exitCode?: number };
  healthy?: boolean;
  exitCode?: number;
}

export interface RunnerLog {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
  debug(o: object, m?: string): void;
}

/**
 * What the runner is given. A real agent passes a process launcher, a file task store and a directory sandbox
 * preparer; a simulated one a simulated launcher, an ephemeral store and no sandboxes (`processParts` and
 * `simulatedParts` in `parts.ts`).
 */
export interface TaskRunnerOptions {
  /** The agent's directory: sandboxes, persistent volumes, runner state. */
  workDir: string;
  /** Starts, signals and finds the tasks' processes. */
  launcher: Launcher;
  /** Keeps the task records `recover()` reads. */
  store: TaskStore;
  /** Lays out a task's sandbox before its command starts. */
  sandboxes: SandboxPreparer;
  onStatus: (report: StatusReport) => void;
  log: RunnerLog;
  now?: () => number;
  /**
   * How many ended task ids are remembered in memory to keep repeated launches no-ops (oldest forgotten first; the
   * task records on disk still refuse a second run of a forgotten one). Default 10,000.
   */
  finishedMemory?: number;
  /** Counts a failed write of a task record (the agent's metric). */
  onRecordWriteFailed?: () => void;
  /** Who tasks run as (`taskUser`); without it every task runs as the agent's own user. */
  users?: { policy: TaskUserPolicy; lookup: UserLookup };
}

const DEFAULT_FINISHED_MEMORY = 10_000;

interface ActiveTask {
  task: TaskInfo;
  sandbox: string;
  env: Record<string, string>;
  /** Who `cmd` and the checks run as; undefined: the agent's own user. */
  user?: UserIdentity;
  /** Where the task is; changed only by `TaskRunner.move`. */
  life: TaskLifecycle;
  /** Last state reported. */
  state: TaskState;
  startedAt?: number;
  handle?: ProcessHandle;
  proc?: TaskProcess;
  readiness?: { passed: boolean; exitCode?: number };
  healthy?: boolean;
  killTimer?: NodeJS.Timeout;
  checks: CheckLoop[];
  /** Resolves once the terminal status is reported and recorded. */
  ended: Promise<void>;
  resolveEnded: () => void;
  /** The outcome of its launch, so a repeated launch of the same id waits for the same outcome. */
  launched?: Promise<void>;
  /** Aborts sandbox preparation (a URI download) when the task is killed before it runs. */
  abortPreparation: AbortController;
}

/**
 * Runs the tasks of one agent: sandboxes, volumes, URIs, config templates, the process, its checks, kills and
 * recovery after an agent restart; reports every status through `onStatus`.
 */
export class TaskRunner {
  private readonly active = new Map<string, ActiveTask>();
  private readonly finished = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly writes = new Set<Promise<Error | undefined>>();
  private readonly store: TaskStore;
  private readonly now: () => number;
  /** Changed only by `advance`. */
  private phase: RunnerPhase = 'running';

  constructor(private readonly opts: TaskRunnerOptions) {
    this.store = opts.store;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Idempotent by taskId. If a previous task with the same taskName (of the same service) is still running on
   * this agent (relaunch in place), it is stopped first (as a kill would) before the new one starts.
   * Resolves once the task runs or has ended trying.
   */
  launch(task: TaskInfo): Promise<void> {
    if (this.phase !== 'running') {
      this.opts.log.warn({ taskId: task.taskId }, 'launch ignored: the task runner is detached');
      return Promise.resolve();
    }
    const known = this.active.get(task.taskId);
    if (known) return known.launched ?? Promise.resolve();
    if (this.finished.has(task.taskId)) {
      this.opts.log.debug({ taskId: task.taskId }, 'launch ignored: the task already ran on this agent');
      return Promise.resolve();
    }
    const t = this.register(task, 'TASK_STAGING', PREPARING);
    const run = this.run(t).catch((e: unknown) => this.crashed(t, e));
    t.launched = run;
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
    return run;
  }

  /**
   * SIGTERM to the task's process group, SIGKILL after task.killGracePeriod seconds → TASK_KILLED.
   * Killing an unknown or finished task reports nothing and resolves.
   */
  async kill(taskId: string, reason: string): Promise<void> {
    const t = this.active.get(taskId);
    if (!t || t.life.phase === 'ended' || this.phase !== 'running') return;
    this.startKill(t, reason, 'killed');
    await t.ended;
  }

  /**
   * After an agent restart: re-adopts tasks whose processes still run (keeps monitoring them, their checks and
   * exit), reports the final status of those that ended while the agent was down, and ends every process left of a
   * task that is not adopted; returns the adopted TaskInfos. Call it before launching anything.
   */
  async recover(): Promise<TaskInfo[]> {
    if (this.phase !== 'running') return [];
    const { records, unreadable } = await this.store.loadAll();
    for (const u of unreadable) this.opts.log.warn(u, 'cannot read a task record; skipping it');
    const adopted: TaskInfo[] = [];
    for (const r of records) {
      const id = r.task.taskId;
      if (r.final) {
        this.remember(id);
        continue;
      }
      if (this.active.has(id)) continue;
      const t = this.register(r.task, r.state, recoveredLifecycle(r.kill), r);
      if (!r.handle) {
        // Killed between starting the process and recording its handle? Then it runs: adopt it, never run it twice.
        const launched = this.opts.launcher.findLaunched(this.launchSpec(t));
        if (launched) {
          t.handle = launched;
          await this.persist(t);
          this.opts.log.info({ taskId: id, pid: launched.pid }, 'found the process of a launch the agent did not live to record');
        }
      }
      if (!t.handle) {
        await this.finish(
          t,
          r.kill
            ? this.killedStatus(t, undefined)
            : { state: 'TASK_FAILED', message: "the agent stopped before the task's command was started" },
        );
        continue;
      }
      const found = await this.opts.launcher.adopt(this.launchSpec(t), t.handle);
      if ('exit' in found) {
        await this.onExit(t, found.exit);
        continue;
      }
      t.proc = found.process;
      if (t.life.phase === 'killing') this.signalKill(t, false);
      adopted.push(r.task);
      this.opts.log.info({ taskId: id, pid: t.handle.pid }, 're-adopted a running task');
      await this.awaitStart(t, found.process);
      void this.watchExit(t, found.process);
    }
    // Whatever a task left running when its record says it ended, or that no record accounts for (reference: a
    // Mesos agent destroyed the containers it did not recover).
    const strays = await this.opts.launcher.endStrays(sandboxesRoot(this.opts.workDir), new Set(this.active.keys()));
    if (strays.length > 0) this.opts.log.warn({ strays }, 'ended processes left by tasks that are no longer running');
    return adopted;
  }

  /** What runs now, with the last reported state. */
  list(): { task: TaskInfo; state: TaskState }[] {
    return [...this.active.values()].filter((t) => t.life.phase !== 'ended').map((t) => ({ task: t.task, state: t.state }));
  }

  /** Stops monitoring without killing anything (agent shutdown: tasks keep running and are re-adopted later). */
  async detach(): Promise<void> {
    if (this.phase !== 'running') return;
    this.advance();
    await Promise.allSettled([...this.inflight]);
    this.advance();
    for (const t of this.active.values()) {
      this.stopChecks(t);
      if (t.killTimer) clearTimeout(t.killTimer);
      t.proc?.release();
    }
    await Promise.allSettled([...this.writes]);
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** running → detaching → detached, never back. */
  private advance(): void {
    const next = nextRunnerPhase(this.phase);
    if (next) this.phase = next;
  }

  /** Every change of a task's lifecycle goes through here; false when the event does not apply to where it is. */
  private move(t: ActiveTask, event: TaskLifecycleEvent): boolean {
    const next = nextLifecycle(t.life, event);
    if (!next) return false;
    t.life = next;
    return true;
  }

  private register(task: TaskInfo, state: TaskState, life: TaskLifecycle, record?: TaskRecord): ActiveTask {
    const sandbox = record?.sandbox ?? sandboxDir(this.opts.workDir, task.taskId);
    let resolveEnded!: () => void;
    const ended = new Promise<void>((r) => (resolveEnded = r));
    const t: ActiveTask = {
      task,
      sandbox,
      env: taskEnvironment(task, sandbox),
      life,
      state,
      startedAt: record?.startedAt,
      handle: record?.handle,
      user: record?.user,
      readiness: record?.readiness,
      healthy: record?.healthy,
      checks: [],
      abortPreparation: new AbortController(),
      ended,
      resolveEnded,
    };
    this.active.set(task.taskId, t);
    return t;
  }

  private launchSpec(t: ActiveTask) {
    return {
      task: t.task,
      sandbox: t.sandbox,
      env: t.env,
      stateDir: this.store.dir(t.task.taskId),
      ...(t.user ? { user: t.user } : {}),
    };
  }

  private async run(t: ActiveTask): Promise<void> {
    const { task } = t;
    const previous = [...this.active.values()].find(
      (o) => o !== t && o.life.phase !== 'ended' && o.task.service === task.service && o.task.taskName === task.taskName,
    );
    if (previous) await this.kill(previous.task.taskId, `replaced by task ${task.taskId}`);
    if (isKilling(t)) return this.finish(t, this.killedStatus(t, undefined));

    if (await this.store.exists(task.taskId)) {
      // Launched before an agent restart whose recover() was not called: never run a task id twice.
      this.opts.log.warn({ taskId: task.taskId }, 'launch ignored: the task already has state on this agent');
      this.move(t, { type: 'ended' });
      this.active.delete(task.taskId);
      this.remember(task.taskId);
      t.resolveEnded();
      return;
    }
    const invalid = invalidTaskReason(task);
    if (invalid) return this.finish(t, { state: 'TASK_ERROR', message: `invalid task: ${invalid}` });
    let runsAs = '';
    if (this.opts.users) {
      const who = taskUser(task.user, this.opts.users.policy, this.opts.users.lookup);
      if ('error' in who) return this.finish(t, { state: 'TASK_FAILED', message: `cannot start: ${who.error}` });
      t.user = who.as;
      runsAs = ` (runs as '${who.name}')`;
    }

    this.report(t, 'TASK_STARTING', `preparing the sandbox${runsAs}`);
    // Recorded before anything is started: a restart that finds no record knows nothing of this task ran. Without
    // that record a restart could run it a second time on the same volume, so it does not start.
    const unrecorded = await this.persist(t);
    if (unrecorded) {
      return this.finish(t, { state: 'TASK_FAILED', message: `not started: the agent could not record the task: ${errorText(unrecorded)}` });
    }
    try {
      await this.opts.sandboxes.prepare(task, {
        workDir: this.opts.workDir,
        sandbox: t.sandbox,
        env: t.env,
        ...(t.user ? { owner: t.user } : {}),
        fetch: { signal: t.abortPreparation.signal },
      });
    } catch (e) {
      if (isKilling(t)) return this.finish(t, this.killedStatus(t, undefined));
      const message = e instanceof Error ? e.message : String(e);
      return this.finish(t, { state: 'TASK_FAILED', message: `cannot start: ${message}` });
    }
    if (isKilling(t)) return this.finish(t, this.killedStatus(t, undefined));

    const proc = this.opts.launcher.launch(this.launchSpec(t));
    t.proc = proc;
    t.handle = proc.handle;
    this.move(t, { type: 'launched' });
    // Recovery can find the process only once its handle is recorded.
    await this.persist(t);
    await this.awaitStart(t, proc);
    void this.watchExit(t, proc);
  }

  /** Reports TASK_RUNNING once `cmd` runs (unless it already was before a restart) and starts the checks. */
  private async awaitStart(t: ActiveTask, proc: TaskProcess): Promise<void> {
    const started = await proc.started;
    if (!started || this.phase === 'detached' || t.life.phase === 'ended') return;
    // The handle now names the task's session: recorded, so a restart can end what is left of it.
    const sessionNew = proc.handle?.session !== undefined && t.handle?.session === undefined;
    if (sessionNew) t.handle = proc.handle;
    if (t.life.phase !== 'running') {
      if (sessionNew) this.persist(t);
      return;
    }
    if (t.state !== 'TASK_RUNNING') {
      t.startedAt ??= this.now();
      this.report(t, 'TASK_RUNNING', 'command started');
      this.persist(t);
    } else if (sessionNew) this.persist(t);
    this.startChecks(t);
  }

  private async watchExit(t: ActiveTask, proc: TaskProcess): Promise<void> {
    const exit = await proc.exited;
    if (this.phase === 'detached') return;
    await this.onExit(t, exit).catch((e: unknown) => this.crashed(t, e));
  }

  private async onExit(t: ActiveTask, exit: ExitResult): Promise<void> {
    if (t.life.phase === 'ended') return;
    if (exit.leftovers) this.opts.log.warn({ taskId: t.task.taskId, leftovers: exit.leftovers }, 'the task ended, but not all of its processes');
    const kill = killIntentOf(t.life);
    if (kill?.cause === 'unhealthy') {
      return this.finish(t, { state: 'TASK_FAILED', message: `task killed: ${kill.reason}`, exitCode: exit.exitCode }, false);
    }
    if (kill) return this.finish(t, this.killedStatus(t, exit.exitCode));
    if (exit.startError) return this.finish(t, { state: 'TASK_FAILED', message: `cannot start: ${exit.startError}` });
    if (exit.lost !== undefined || exit.exitCode === undefined) {
      return this.finish(t, { state: 'TASK_FAILED', message: exit.lost ?? 'the exit status of the task is unknown' });
    }
    if (exit.exitCode === 0) {
      return this.finish(t, { state: 'TASK_FINISHED', message: 'command exited with status 0', exitCode: 0 });
    }
    return this.finish(t, { state: 'TASK_FAILED', message: describeExit(exit.exitCode), exitCode: exit.exitCode });
  }

  private killedStatus(t: ActiveTask, exitCode: number | undefined): FinalStatus {
    return { state: 'TASK_KILLED', message: `task killed: ${killIntentOf(t.life)?.reason ?? 'on request'}`, exitCode };
  }

  private startKill(t: ActiveTask, reason: string, cause: KillIntent['cause']): void {
    if (!this.move(t, { type: 'killRequested', kill: { at: this.now(), reason, cause } })) return;
    this.stopChecks(t);
    this.persist(t);
    if (t.proc) this.signalKill(t, true);
    // Without a process yet, run() sees the intent before it launches one.
    else t.abortPreparation.abort();
  }

  /** SIGTERM, then SIGKILL once the grace period (counted from the kill request) is over. */
  private signalKill(t: ActiveTask, sendTerm: boolean): void {
    const proc = t.proc;
    const kill = killIntentOf(t.life);
    if (!proc || !kill) return;
    if (sendTerm) proc.signal('SIGTERM');
    const remaining = kill.at + t.task.killGracePeriod * 1000 - this.now();
    if (remaining <= 0) proc.signal('SIGKILL');
    else t.killTimer = setTimeout(() => proc.signal('SIGKILL'), remaining);
  }

  private startChecks(t: ActiveTask): void {
    const startedAt = t.startedAt ?? this.now();
    const hc = t.task.healthCheck;
    if (hc) {
      const tracker = new HealthTracker(hc, startedAt);
      t.checks.push(
        new CheckLoop({
          firstDelayMs: remainingDelayMs(hc, startedAt, this.now()),
          intervalMs: hc.interval * 1000,
          run: () => this.runCheck(t, hc.cmd, hc.timeout),
          onResult: (r) => {
            if (t.life.phase !== 'running') return false;
            const outcome = tracker.record(r, this.now());
            t.healthy = tracker.healthy;
            if (outcome.kill) {
              this.opts.log.warn({ taskId: t.task.taskId, message: outcome.message }, 'task unhealthy: killing it');
              this.startKill(t, outcome.message ?? 'health check failed', 'unhealthy');
              return false;
            }
            if (outcome.changed) {
              const what = t.healthy ? 'health check passed' : `health check failed: ${describeCheckResult(r, hc.timeout)}`;
              this.report(t, 'TASK_RUNNING', what);
              this.persist(t);
            }
            return true;
          },
        }),
      );
    }
    const rc = t.task.readinessCheck;
    if (rc && !t.readiness?.passed) t.checks.push(this.readinessLoop(t, rc, startedAt));
  }

  /** Reference §4.4.3: runs until one passes; each change of result is reported with TASK_RUNNING. */
  private readinessLoop(t: ActiveTask, rc: ReadinessCheckSpec, startedAt: number): CheckLoop {
    return new CheckLoop({
      firstDelayMs: remainingDelayMs(rc, startedAt, this.now()),
      intervalMs: rc.interval * 1000,
      run: () => this.runCheck(t, rc.cmd, rc.timeout),
      onResult: (r) => {
        if (t.life.phase !== 'running') return false;
        const result = { passed: r.exitCode === 0, ...(r.exitCode === undefined ? {} : { exitCode: r.exitCode }) };
        const before = t.readiness;
        if (!before || before.passed !== result.passed || before.exitCode !== result.exitCode) {
          t.readiness = result;
          const what = result.passed ? 'readiness check passed' : `readiness check failed: ${describeCheckResult(r, rc.timeout)}`;
          this.report(t, 'TASK_RUNNING', what);
          this.persist(t);
        }
        return !result.passed;
      },
    });
  }

  private runCheck(t: ActiveTask, cmd: string, timeoutS: number) {
    return this.opts.launcher.runCheck({ task: t.task, sandbox: t.sandbox, env: t.env, cmd, timeoutMs: timeoutS * 1000, ...(t.user ? { user: t.user } : {}) });
  }

  private stopChecks(t: ActiveTask): void {
    for (const c of t.checks.splice(0)) c.stop();
  }

  /** Reports the terminal status, records it, and forgets the task. */
  private async finish(t: ActiveTask, final: FinalStatus, healthy?: boolean): Promise<void> {
    if (!this.move(t, { type: 'ended' })) return;
    this.stopChecks(t);
    if (t.killTimer) clearTimeout(t.killTimer);
    if (healthy !== undefined) t.healthy = healthy;
    this.report(t, final.state, final.message, {
      ...(final.exitCode === undefined ? {} : { exitCode: final.exitCode }),
      ...(healthy === undefined ? {} : { healthy }),
    });
    this.active.delete(t.task.taskId);
    this.remember(t.task.taskId);
    await this.persist(t, final);
    t.resolveEnded();
  }

  private report(t: ActiveTask, state: TaskState, message: string, extra: Partial<StatusReport> = {}): void {
    t.state = state;
    const report: StatusReport = {
      taskId: t.task.taskId,
      taskName: t.task.taskName,
      service: t.task.service,
      state,
      message,
      ...(state === 'TASK_RUNNING' && t.readiness ? { readiness: t.readiness } : {}),
      ...(state === 'TASK_RUNNING' && t.healthy !== undefined ? { healthy: t.healthy } : {}),
      ...extra,
    };
    this.opts.log.debug({ taskId: report.taskId, state, message }, 'task status');
    try {
      this.opts.onStatus({ ...report, message: sanitizeWorldText(report.message) });
    } catch (e) {
      this.opts.log.error({ taskId: report.taskId, state, err: e }, 'onStatus threw');
    }
  }

  /** Writes the task's record; resolves with the error when it could not (logged and counted), else undefined. */
  private persist(t: ActiveTask, final?: FinalStatus): Promise<Error | undefined> {
    const kill = killIntentOf(t.life);
    const record: TaskRecord = {
      version: 1,
      task: t.task,
      sandbox: t.sandbox,
      state: t.state,
      ...(t.startedAt === undefined ? {} : { startedAt: t.startedAt }),
      ...(t.handle ? { handle: t.handle } : {}),
      ...(t.user ? { user: t.user } : {}),
      ...(t.readiness ? { readiness: t.readiness } : {}),
      ...(t.healthy === undefined ? {} : { healthy: t.healthy }),
      ...(kill ? { kill } : {}),
      ...(final ? { final } : {}),
    };
    const write = this.store.save(record).then(
      () => undefined,
      (e: unknown) => {
        this.opts.log.error({ taskId: t.task.taskId, err: e }, 'cannot record task state');
        this.opts.onRecordWriteFailed?.();
        return e instanceof Error ? e : new Error(String(e));
      },
    );
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
    return write;
  }

  private remember(taskId: string): void {
    this.finished.add(taskId);
    if (this.finished.size > (this.opts.finishedMemory ?? DEFAULT_FINISHED_MEMORY)) {
      const oldest = this.finished.values().next().value;
      if (oldest !== undefined) this.finished.delete(oldest);
    }
  }

  /** A bug in the runner must not leave a task without a terminal status. */
  private async crashed(t: ActiveTask, e: unknown): Promise<void> {
    this.opts.log.error({ taskId: t.task.taskId, err: e }, 'task runner failed');
    t.proc?.signal('SIGKILL');
    await this.finish(t, { state: 'TASK_FAILED', message: `agent error: ${errorText(e)}` });
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A function, not an inline test: the phase changes while `run()` awaits, which narrowing cannot see. */
function isKilling(t: ActiveTask): boolean {
  return t.life.phase === 'killing';
}

function describeExit(exitCode: number): string {
  if (exitCode > 128) {
    const name = Object.entries(osConstants.signals).find(([, n]) => n === exitCode - 128)?.[0];
    if (name) return `command exited with status ${exitCode} (terminated by ${name})`;
  }
  return `command exited with status ${exitCode}`;
}
