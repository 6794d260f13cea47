import { accessSync, readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StrayProcess } from './launcher';
import { isErrno, unexpectedError } from './unexpected';

/**
 * Finding and ending the processes of a task through /proc, so that every process a task started ends with it
 * (a Mesos agent destroyed a task's container, cgroup and all; there are no cgroups here). A process is the task's
 * when
 * - its environment names the task (`MESOS_TASK_ID`, which the agent gives the task and its checks, and which
 *   everything they start inherits, even past `setsid`), or
 * - it is in the task's session while the session's leader is still the process the wrapper recorded (same kernel
 *   start time): a session id cannot be taken by another session while its leader, or any member, lives; or
 * - it is in a session where a process of the task lives: a process cannot join a session, only inherit its
 *   parent's or start one, so every member of such a session descends from a process of the task (this catches
 *   a child that cleared its environment in a session the task started with `setsid`).
 * Nothing else is touched: never a process the agent did not start, never one of the agent's own session.
 */

export const HAS_PROC = (() => {
  try {
    accessSync('/proc/self/stat');
    return true;
  } catch (e) {
    // No /proc on this system: the runner works without it, and says so where it matters.
    if (!isErrno(e, 'ENOENT')) unexpectedError('looking for /proc', e);
    return false;
  }
})();

/** Rounds of look-and-kill before giving up on a task that keeps forking; each round waits a little. */
const ROUNDS = 50;
const ROUND_PAUSE_MS = 20;

export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie: already dead, waiting to be reaped), … */
  state: string;
  session: number;
  /** Field 22: kernel start time, to tell a process from a later one reusing its pid. */
  startTime: string;
}

/** /proc/<pid>/stat, or undefined when the process does not exist. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (e) {
    // Gone, or never was.
    if (!isErrno(e, 'ENOENT', 'ESRCH')) unexpectedError('reading /proc', e, { pid });
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: fields 3… follow the last ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: f[0], session: Number(f[3]), startTime: f[19] };
}

/** Field 22 of /proc/<pid>/stat, or undefined when the process does not exist (or there is no /proc). */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** The environment a process was started with, as NUL-separated `K=V` entries; undefined when unreadable (not ours). */
function environOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch (e) {
    // Gone, or another user's (an agent that is not root cannot read it: then it is not its task's either).
    if (!isErrno(e, 'ENOENT', 'ESRCH', 'EACCES', 'EPERM')) unexpectedError('reading /proc', e, { pid });
    return undefined;
  }
}

function envValue(environ: string, key: string): string | undefined {
  for (const entry of environ.split('\0')) if (entry.startsWith(`${key}=`)) return entry.slice(key.length + 1);
  return undefined;
}

/**
 * Live processes outside the agent's own session (zombies are dead already: nothing to end). Tasks and checks are
 * started in sessions of their own, so nothing of a task is in the agent's.
 */
function liveProcesses(): ProcStat[] {
  const own = procStat(process.pid)?.session;
  const out: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.session !== own && stat.state !== 'Z' && stat.state !== 'X') out.push(stat);
  }
  return out;
}

/** SIGKILL; false when the process was gone already or is not ours to signal. */
function killProcess(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch (e) {
    // Ended meanwhile (ESRCH), or not ours (EPERM): nothing to do either way.
    if (!isErrno(e, 'ESRCH', 'EPERM')) unexpectedError('killing a process', e, { pid });
    return false;
  }
}

export interface TaskTrace {
  taskId: string;
  /** The task's session as recorded when `cmd` started. */
  session?: { id: number; leaderStartTime?: string };
}

/** Whether the recorded session is still the task's: its leader's pid holds the recorded start time. */
function sessionStillOurs(session: TaskTrace['session']): session is { id: number; leaderStartTime: string } {
  if (!session?.leaderStartTime) return false;
  return procStat(session.id)?.startTime === session.leaderStartTime;
}

export interface EndResult {
  /** Pids sent SIGKILL. */
  killed: number[];
  /** Set when processes of the task were still there after every round: which. */
  survivors?: number[];
}

/**
 * SIGKILLs every process of the task (see the top of this file) until none is left. Call it once the task's
 * wrapper is gone or has recorded the exit: the wrapper carries the task's environment too.
 */
export async function endTaskProcesses(trace: TaskTrace): Promise<EndResult> {
  const killed: number[] = [];
  if (!HAS_PROC) return { killed };
  // Checked once: later rounds may find the leader dead, and its session id still cannot be another session's
  // while members of ours live.
  const sessions = new Set<number>();
  if (sessionStillOurs(trace.session)) sessions.add(trace.session.id);
  const marker = `\0MESOS_TASK_ID=${trace.taskId}\0`;
  let found: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const live = liveProcesses();
    for (const p of live) if (`\0${environOf(p.pid) ?? ''}`.includes(marker)) sessions.add(p.session);
    found = live.filter((p) => sessions.has(p.session)).map((p) => p.pid);
    if (found.length === 0) return { killed };
    for (const pid of found) if (killProcess(pid)) killed.push(pid);
    await sleep(ROUND_PAUSE_MS);
  }
  return { killed, survivors: found };
}

/**
 * After an agent restart: SIGKILLs every process whose environment says it belongs to a task sandboxed under
 * `sandboxRoot` (`MESOS_SANDBOX` below it) and whose task is not one of `keep`.
 */
export async function endStrayProcesses(sandboxRoot: string, keep: ReadonlySet<string>): Promise<StrayProcess[]> {
  const ended: StrayProcess[] = [];
  if (!HAS_PROC) return ended;
  const prefix = sandboxRoot.endsWith('/') ? sandboxRoot : `${sandboxRoot}/`;
  /** Sessions where a stray of the task lives: every member is the task's too (see the top of this file). */
  const sessions = new Map<number, string>();
  for (let round = 0; round < ROUNDS; round++) {
    const live = liveProcesses();
    for (const p of live) {
      const environ = environOf(p.pid);
      if (!environ) continue;
      const sandbox = envValue(environ, 'MESOS_SANDBOX');
      const taskId = envValue(environ, 'MESOS_TASK_ID');
      if (sandbox?.startsWith(prefix) && taskId !== undefined && !keep.has(taskId)) sessions.set(p.session, taskId);
    }
    const strays = live.filter((p) => sessions.has(p.session));
    if (strays.length === 0) break;
    for (const p of strays) if (killProcess(p.pid)) ended.push({ pid: p.pid, taskId: sessions.get(p.session) ?? '' });
    await sleep(ROUND_PAUSE_MS);
  }
  return ended;
}
