import type { TaskInfo } from '@marshal/contracts';
import type { UserIdentity } from './task-user';

/** What a launcher needs to start one task: the sandbox is prepared, the environment final. */
export interface LaunchSpec {
  task: TaskInfo;
  /** `<workDir>/sandboxes/<taskId>`: the working directory of `cmd` and its checks. */
  sandbox: string;
  /** Where the launcher keeps what recovery needs (pid and exit files); absent for simulated tasks. */
  stateDir?: string;
  /** The task's environment: TaskInfo env plus what only the agent knows (MESOS_SANDBOX, …). */
  env: Record<string, string>;
  /** The user `cmd` runs as; undefined: the agent's own. */
  user?: UserIdentity;
}

/** How a task's process ended. */
export interface ExitResult {
  /** Exit status of `sh -c cmd` as a shell reports it: 128+N when signal N ended it. */
  exitCode?: number;
  /** Set when the process never ran `cmd` (e.g. an rlimit could not be applied): why. */
  startError?: string;
  /** Set when the process is gone but its exit status was never recorded. */
  lost?: string;
  /** Set when processes the task started could not all be ended: which, or why. */
  leftovers?: string;
}

/** Enough to find a launched process again after an agent restart; kept in the runner's state files. */
export interface ProcessHandle {
  /** The wrapper that waits for the task and records its exit status. */
  pid: number;
  /** Kernel start time of `pid` (field 22 of /proc/<pid>/stat), to tell it from a later process reusing the pid. */
  startTime?: string;
  /**
   * The task's own session (and process group), led by the shell running `cmd`: known once `cmd` started. What is
   * left of it is ended with the task, even when the wrapper is gone.
   */
  session?: { id: number; leaderStartTime?: string };
}

/** A process of a task that outlived it, ended by `Launcher.endStrays`. */
export interface StrayProcess {
  pid: number;
  taskId: string;
}

/** One launched task process. */
export interface TaskProcess {
  /** Resolves true once `cmd` runs, false when the process ended before (then `exited` says why). Never rejects. */
  readonly started: Promise<boolean>;
  /**
   * Resolves when the task has ended: its command, and every process it started (reference: a Mesos container ends
   * whole). Never rejects.
   */
  readonly exited: Promise<ExitResult>;
  /** Recovery data, persisted by the runner (again once `started`: it then names the session); undefined when the process cannot outlive the runner. */
  readonly handle: ProcessHandle | undefined;
  /** Signals the task's process group; a no-op once it ended. */
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** Stops watching the process without touching it (agent shutdown); `exited` then never resolves. */
  release(): void;
}

export interface CheckSpec {
  task: TaskInfo;
  sandbox: string;
  env: Record<string, string>;
  cmd: string;
  /** The user the check runs as (its task's); undefined: the agent's own. */
  user?: UserIdentity;
  /** 0 = no timeout. */
  timeoutMs: number;
}

export interface CheckResult {
  /** Absent when the check timed out or could not run. */
  exitCode?: number;
  timedOut: boolean;
  /** The tail of the check's combined stdout and stderr, for messages. */
  output: string;
}

export type AdoptResult = { process: TaskProcess } | { exit: ExitResult };

/**
 * How the runner starts, signals and finds processes, and runs check commands: real processes, or simulated ones
 * (DESIGN.md "agent"). With the task store and the sandbox preparer, the only parts that differ between the two.
 */
export interface Launcher {
  launch(spec: LaunchSpec): TaskProcess;
  /**
   * Finds a process launched before an agent restart: still running, or how it ended meanwhile (then nothing of the
   * task runs any more).
   */
  adopt(spec: LaunchSpec, handle: ProcessHandle): Promise<AdoptResult>;
  /**
   * The handle of a launch the agent did not live to record (killed between starting the process and writing its
   * handle down), found by other means; undefined when nothing of it runs.
   */
  findLaunched(spec: LaunchSpec): ProcessHandle | undefined;
  runCheck(spec: CheckSpec): Promise<CheckResult>;
  /**
   * After an agent restart: ends every process started by a task of `sandboxRoot` (`<workDir>/sandboxes`) that is not
   * one of `keep` (the tasks adopted), and nothing else; says what it ended.
   */
  endStrays(sandboxRoot: string, keep: ReadonlySet<string>): Promise<StrayProcess[]>;
}
