import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import type {
  AdoptResult,
  CheckResult,
  CheckSpec,
  ExitResult,
  LaunchSpec,
  Launcher,
  ProcessHandle,
  StrayProcess,
  TaskProcess,
} from './launcher';
import { prlimitArgs } from './sandbox';
import { setprivArgs } from './task-user';
import { isErrno, unexpectedError } from './unexpected';
import { HAS_PROC, endStrayProcesses, endTaskProcesses, procStat, processStartTime, type TaskTrace } from './task-processes';

export interface ProcessLauncherOptions {
  /** How often an adopted task's exit file is looked for. */
  pollIntervalMs?: number;
  /** The shell running `cmd` and checks (`<shell> -c <cmd>`); default `defaultTaskShell()`. */
  shell?: string;
}

/** The shell tried first: DC/OS agents ran `cmd` with a bash `sh`, and specs written for them use bash syntax. */
const PREFERRED_SHELLS = ['/bin/bash', '/bin/sh'];

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch (e) {
    // Missing or not executable: the caller names the problem. Anything else is said too.
    if (!isErrno(e, 'ENOENT', 'EACCES', 'ENOTDIR', 'ELOOP')) unexpectedError('checking a shell', e);
    return false;
  }
}

/**
 * The shell running tasks' commands and checks: `configured` when set (an absolute path to an executable file),
 * else `/bin/bash` when it exists, else `/bin/sh`. An error names what is wrong with the configured one.
 */
export function resolveTaskShell(configured: string): { shell: string } | { error: string } {
  if (configured === '') {
    const found = PREFERRED_SHELLS.find(isExecutableFile);
    return found ? { shell: found } : { error: `none of ${PREFERRED_SHELLS.join(', ')} is an executable file` };
  }
  if (!isAbsolute(configured)) return { error: `'${configured}' must be an absolute path` };
  if (!isExecutableFile(configured)) return { error: `'${configured}' is not an executable file` };
  return { shell: configured };
}

/** The shell a ProcessLauncher uses when given none. */
export function defaultTaskShell(): string {
  const r = resolveTaskShell('');
  if ('error' in r) throw new Error(`no shell to run tasks with: ${r.error}`);
  return r.shell;
}

/**
 * The wrapper that owns one task process, detached from the agent so the task outlives an agent restart.
 * It starts `cmd` in a session (and so a process group) of its own, with the rlimits applied by prlimit, waits
 * for it and records its exit status in `<stateDir>/exit`: the agent may not be its parent any more by then.
 * The session leader writes its pid (= the session and group id) to `<stateDir>/pid`, then becomes `<shell> -c cmd`.
 * The leader writes the pid file as the agent's user, then becomes `[prlimit …] [setpriv …] <shell> -c cmd`: the
 * rlimits are set while it may still raise them, and only the task's own command runs as the task's user.
 * Signals go to the task's group only, so the wrapper always lives to record the status.
 * The wrapper is POSIX and run by /bin/sh whatever the task shell is.
 * Arguments: $1 state dir, $2 cmd, $3 shell, $4 setsid, then the [prlimit …] [setpriv …] prefix.
 */
const WRAPPER = `state=$1; cmd=$2; shell=$3; setsid=$4; shift 4
"$setsid" /bin/sh -c 'echo $$ > "$0"; s=$1; c=$2; shift 2; exec "$@" "$s" -c "$c"' "$state/pid" "$shell" "$cmd" "$@" </dev/null &
wait $!
rc=$?
if [ -s "$state/pid" ] && read pid < "$state/pid"; then kill -s KILL -- "-$pid" 2>/dev/null; fi
echo "$rc" > "$state/exit"
`;

/** `$0` of the wrapper: with the state directory after it, how `findLaunched` knows a task's wrapper. */
const WRAPPER_NAME = 'marshal-task';

const OUTPUT_TAIL = 2048;

/** /bin/sh runs the wrapper; see WRAPPER. */
const WRAPPER_SHELL = '/bin/sh';

function findExecutable(name: string): string | undefined {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).concat(['/usr/bin', '/bin', '/usr/sbin', '/sbin']);
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch (e) {
      // Not in this directory: try the next one.
      if (!isErrno(e, 'ENOENT', 'EACCES', 'ENOTDIR', 'ELOOP')) unexpectedError('looking for a program', e, { name });
    }
  }
  return undefined;
}

/** Whether the process of `handle` still runs (and is the same process, not a later one reusing its pid). */
function isAlive(handle: ProcessHandle): boolean {
  if (HAS_PROC) {
    const stat = procStat(handle.pid);
    // A zombie has ended: only its parent has not collected its status yet.
    if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
    return handle.startTime === undefined || handle.startTime === stat.startTime;
  }
  try {
    process.kill(handle.pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    if (isErrno(e, 'EPERM')) return true;
    if (!isErrno(e, 'ESRCH')) unexpectedError('looking for a process', e);
    return false;
  }
}

async function readInt(path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch (e) {
    // Not written yet.
    if (!isErrno(e, 'ENOENT')) unexpectedError('reading a task state file', e, { path });
    return undefined;
  }
}

async function tail(path: string, bytes: number): Promise<string> {
  try {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      const start = Math.max(0, size - bytes);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      return buf.toString('utf8').trim();
    } finally {
      await fh.close();
    }
  } catch (e) {
    unexpectedError('reading task output', e, { path });
    return '';
  }
}

/**
 * Runs tasks as real processes: `<shell> -c cmd` in the sandbox, in a session and process group of its own,
 * detached; every process a task started ends with it.
 */
export class ProcessLauncher implements Launcher {
  private readonly pollIntervalMs: number;
  /** Runs `cmd` and checks. */
  readonly shell: string;

  constructor(opts: ProcessLauncherOptions = {}) {
    this.pollIntervalMs = opts.pollIntervalMs ?? 200;
    const shell = resolveTaskShell(opts.shell ?? '');
    if ('error' in shell) throw new Error(`ProcessLauncher: task shell ${shell.error}`);
    this.shell = shell.shell;
  }

  launch(spec: LaunchSpec): TaskProcess {
    const { stateDir, sandbox } = spec;
    if (!stateDir) throw new Error('ProcessLauncher needs a state directory to record the exit status');
    const setsid = findExecutable('setsid');
    if (!setsid) return FailedProcess.of('setsid(1) (util-linux) was not found on the agent');
    const prefix: string[] = [];
    const limits = prlimitArgs(spec.task);
    if (limits.length > 0) {
      const prlimit = findExecutable('prlimit');
      if (!prlimit) return FailedProcess.of('the task has rlimits but prlimit(1) (util-linux) was not found on the agent');
      prefix.push(prlimit, ...limits, '--');
    }
    if (spec.user) {
      const setpriv = findExecutable('setpriv');
      if (!setpriv) return FailedProcess.of(`the task runs as '${spec.user.name}' but setpriv(1) (util-linux) was not found on the agent`);
      prefix.push(setpriv, ...setprivArgs(spec.user));
    }
    const out = openSync(join(sandbox, 'stdout'), 'a');
    const err = openSync(join(sandbox, 'stderr'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(WRAPPER_SHELL, ['-c', WRAPPER, WRAPPER_NAME, stateDir, spec.task.cmd, this.shell, setsid, ...prefix], {
        cwd: sandbox,
        env: spec.env,
        detached: true,
        stdio: ['ignore', out, err],
      });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    child.unref();
    const handle: ProcessHandle | undefined =
      child.pid === undefined ? undefined : { pid: child.pid, startTime: processStartTime(child.pid) };
    return new WrappedProcess(spec.task.taskId, stateDir, sandbox, handle, this.pollIntervalMs, child);
  }

  /**
   * The wrapper of this task's state directory among the machine's processes (/proc): its command line is
   * `/bin/sh -c <wrapper> marshal-task <stateDir> …`, which no other process has.
   */
  findLaunched(spec: LaunchSpec): ProcessHandle | undefined {
    if (!spec.stateDir || !HAS_PROC) return undefined;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let args: string[];
      try {
        args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      } catch (e) {
        // Gone meanwhile.
        if (!isErrno(e, 'ENOENT', 'ESRCH')) unexpectedError('reading a process command line', e);
        continue;
      }
      if (args[3] !== WRAPPER_NAME || args[4] !== spec.stateDir) continue;
      const pid = Number(entry);
      const startTime = processStartTime(pid);
      if (startTime !== undefined) return { pid, startTime };
    }
    return undefined;
  }

  async adopt(spec: LaunchSpec, handle: ProcessHandle): Promise<AdoptResult> {
    const { stateDir, sandbox } = spec;
    const trace: TaskTrace = { taskId: spec.task.taskId, ...(handle.session ? { session: handle.session } : {}) };
    if (!stateDir) return { exit: await withLeftoversEnded(trace, { lost: 'no state directory was kept for the task' }) };
    const recorded = await readExit(stateDir, sandbox);
    if (recorded) return { exit: await withLeftoversEnded(trace, recorded) };
    if (isAlive(handle)) return { process: new WrappedProcess(spec.task.taskId, stateDir, sandbox, handle, this.pollIntervalMs) };
    // The wrapper may have recorded the status between the two looks.
    const late = await readExit(stateDir, sandbox);
    return { exit: await withLeftoversEnded(trace, late ?? { lost: 'the task wrapper ended without recording an exit status' }) };
  }

  endStrays(sandboxRoot: string, keep: ReadonlySet<string>): Promise<StrayProcess[]> {
    return endStrayProcesses(sandboxRoot, keep);
  }

  runCheck(spec: CheckSpec): Promise<CheckResult> {
    let command = [this.shell, '-c', spec.cmd];
    if (spec.user) {
      // A check runs as its task does.
      const setpriv = findExecutable('setpriv');
      if (!setpriv) return Promise.resolve({ timedOut: false, output: `cannot run check as '${spec.user.name}': setpriv(1) (util-linux) was not found on the agent` });
      command = [setpriv, ...setprivArgs(spec.user), ...command];
    }
    return new Promise((resolve) => {
      let output = '';
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const child = spawn(command[0], command.slice(1), {
        cwd: spec.sandbox,
        env: spec.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('error', (e) => {
        if (timer) clearTimeout(timer);
        resolve({ timedOut: false, output: `cannot run check: ${e.message}` });
      });
      child.once('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (timedOut) return resolve({ timedOut: true, output: output.trim() });
        const exitCode = code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : undefined);
        resolve({ exitCode, timedOut: false, output: output.trim() });
      });
      if (spec.timeoutMs > 0) {
        timer = setTimeout(() => {
          timedOut = true;
          killGroup(child.pid, 'SIGKILL');
        }, spec.timeoutMs);
      }
    });
  }
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return osConstants.signals[signal];
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (e) {
    // Already gone.
    if (!isErrno(e, 'ESRCH')) unexpectedError('signalling a task', e, { signal, pid });
  }
}

/** How the wrapper in `stateDir` ended, or undefined while it has recorded nothing. */
async function readExit(stateDir: string, sandbox: string): Promise<ExitResult | undefined> {
  const rc = await readInt(join(stateDir, 'exit'));
  if (rc === undefined) return undefined;
  if ((await readInt(join(stateDir, 'pid'))) === undefined) {
    const why = await tail(join(sandbox, 'stderr'), 500);
    return { startError: `the task's command could not be started (status ${rc})${why ? `: ${why}` : ''}` };
  }
  return { exitCode: rc };
}

/** Ends what is left of the task, then says how it ended (and what could not be ended). */
async function withLeftoversEnded(trace: TaskTrace, exit: ExitResult): Promise<ExitResult> {
  try {
    const { survivors } = await endTaskProcesses(trace);
    return survivors ? { ...exit, leftovers: `processes ${survivors.join(', ')} of the task survived SIGKILL` } : exit;
  } catch (e) {
    return { ...exit, leftovers: `cannot look for the task's processes: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** A task process run by the wrapper: spawned by this launcher, or adopted after an agent restart. */
class WrappedProcess implements TaskProcess {
  readonly started: Promise<boolean>;
  readonly exited: Promise<ExitResult>;
  private resolveStarted!: (v: boolean) => void;
  private resolveExited!: (r: ExitResult) => void;
  /** The session (and group) leader running `cmd`, once its pid file is read. */
  private taskPid: number | undefined;
  private session: ProcessHandle['session'];
  private pendingSignals: ('SIGTERM' | 'SIGKILL')[] = [];
  private ended = false;
  private released = false;
  private timer: NodeJS.Timeout | undefined;
  private polls = 0;

  constructor(
    private readonly taskId: string,
    private readonly stateDir: string,
    private readonly sandbox: string,
    private readonly wrapper: ProcessHandle | undefined,
    private readonly pollIntervalMs: number,
    private readonly child?: ChildProcess,
  ) {
    this.session = wrapper?.session;
    this.started = new Promise((r) => (this.resolveStarted = r));
    this.exited = new Promise((r) => (this.resolveExited = r));
    if (child) {
      child.once('exit', () => void this.finish());
      child.once('error', (e) => this.end({ startError: `cannot start the task wrapper: ${e.message}` }));
    }
    this.schedule(0);
  }

  get handle(): ProcessHandle | undefined {
    if (!this.wrapper) return undefined;
    return this.session ? { ...this.wrapper, session: this.session } : this.wrapper;
  }

  signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.ended || this.released) return;
    if (this.taskPid === undefined) this.pendingSignals.push(signal);
    else killGroup(this.taskPid, signal);
  }

  release(): void {
    this.released = true;
    if (this.timer) clearTimeout(this.timer);
    this.child?.removeAllListeners();
  }

  private schedule(ms: number): void {
    if (this.ended || this.released) return;
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  /** Looks for the pid file (the task started) and, for adopted processes, for the end of the wrapper. */
  private async poll(): Promise<void> {
    if (this.ended || this.released) return;
    this.polls += 1;
    if (this.taskPid === undefined) {
      const pid = await readInt(join(this.stateDir, 'pid'));
      if (pid !== undefined && !this.ended) {
        this.taskPid = pid;
        // Read at once: the leader wrote the file moments ago, so this start time is its own (kept if recorded).
        this.session ??= { id: pid, leaderStartTime: processStartTime(pid) };
        this.resolveStarted(true);
        for (const s of this.pendingSignals.splice(0)) killGroup(pid, s);
      }
    }
    if (!this.child) {
      const exit = await readExit(this.stateDir, this.sandbox);
      if (exit) return this.end(exit);
      if (this.wrapper && !isAlive(this.wrapper)) return void this.finish();
    } else if (this.taskPid !== undefined) {
      return; // the child's exit event ends it
    }
    // The pid file appears within milliseconds of the spawn: look often at first.
    this.schedule(this.taskPid === undefined && this.polls < 200 ? 10 : this.pollIntervalMs);
  }

  private async finish(): Promise<void> {
    if (this.ended || this.released) return;
    const exit = await readExit(this.stateDir, this.sandbox);
    this.end(exit ?? { lost: 'the task wrapper ended without recording an exit status' });
  }

  /** The wrapper is gone or recorded the exit: ends what is left of the task, then reports. */
  private end(exit: ExitResult): void {
    if (this.ended || this.released) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.resolveStarted(exit.exitCode !== undefined);
    void withLeftoversEnded({ taskId: this.taskId, ...(this.session ? { session: this.session } : {}) }, exit).then((r) => {
      if (!this.released) this.resolveExited(r);
    });
  }
}

/** A process that could not even be spawned. */
class FailedProcess implements TaskProcess {
  readonly handle = undefined;
  private constructor(
    readonly started: Promise<boolean>,
    readonly exited: Promise<ExitResult>,
  ) {}

  static of(startError: string): FailedProcess {
    return new FailedProcess(Promise.resolve(false), Promise.resolve({ startError }));
  }

  signal(): void {
    // nothing runs
  }

  release(): void {
    // nothing to watch
  }
}
