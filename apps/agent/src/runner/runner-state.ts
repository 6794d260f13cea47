import { mkdir, open, readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskInfo, TaskState } from '@marshal/contracts';
import type { ProcessHandle } from './launcher';
import type { UserIdentity } from './task-user';
import { isErrno } from './unexpected';

export interface KillIntent {
  at: number;
  reason: string;
  /** `unhealthy`: the health check asked for it, and the task ends TASK_FAILED instead of TASK_KILLED. */
  cause: 'killed' | 'unhealthy';
}

export interface FinalStatus {
  state: TaskState;
  message: string;
  exitCode?: number;
}

/** What the runner keeps about one task under `<workDir>/runner/tasks/<taskId>/task.json`. */
export interface TaskRecord {
  version: 1;
  task: TaskInfo;
  sandbox: string;
  /** Last state reported. */
  state: TaskState;
  /** When `cmd` started (ms since the epoch); check delays and grace periods count from here. */
  startedAt?: number;
  handle?: ProcessHandle;
  readiness?: { passed: boolean; exitCode?: number };
  healthy?: boolean;
  kill?: KillIntent;
  /** The user the task runs as, when not the agent's own: its checks run as it too after a restart. */
  user?: UserIdentity;
  /** Set once the terminal status was reported: the task is history, kept so a repeated launch stays a no-op. */
  final?: FinalStatus;
}

/** Where the runner keeps its task records: what `recover()` reads after an agent restart. */
export interface TaskStore {
  /** Where the launcher keeps what recovery needs (pid and exit files); undefined when nothing outlives the runner. */
  dir(taskId: string): string | undefined;
  /** Whether the task id has a record (it ran on this agent before). */
  exists(taskId: string): Promise<boolean>;
  /** Writes the record; writes of one task land in call order. */
  save(record: TaskRecord): Promise<void>;
  /** Every record, with the ids of unreadable ones (a half-written state never aborts a recovery). */
  loadAll(): Promise<{ records: TaskRecord[]; unreadable: { taskId: string; error: string }[] }>;
}

/**
 * Keeps nothing: the store of simulated agents, whose tasks cannot outlive their runner, so there is nothing to
 * recover and nothing to write (a thousand virtual agents touch no disk).
 */
export class EphemeralTaskStore implements TaskStore {
  dir(): undefined {
    return undefined;
  }

  async exists(): Promise<boolean> {
    return false;
  }

  async save(): Promise<void> {
    // nothing outlives the runner
  }

  async loadAll(): Promise<{ records: TaskRecord[]; unreadable: { taskId: string; error: string }[] }> {
    return { records: [], unreadable: [] };
  }
}

/** The runner's state files under `<workDir>/runner/tasks/<taskId>/task.json`. */
export class FileTaskStore implements TaskStore {
  private readonly root: string;
  private readonly writes = new Map<string, Promise<void>>();

  constructor(workDir: string) {
    this.root = join(workDir, 'runner', 'tasks');
  }

  dir(taskId: string): string {
    return join(this.root, taskId);
  }

  /** Throws when it cannot tell (the directory is unreadable): a task must never run twice because of a failed look. */
  async exists(taskId: string): Promise<boolean> {
    return stat(join(this.dir(taskId), 'task.json')).then(
      () => true,
      (e: unknown) => {
        // Nothing there, or something that is not a record directory: no record either way.
        if (isErrno(e, 'ENOENT', 'ENOTDIR')) return false;
        throw e;
      },
    );
  }

  /** Writes the record atomically (temporary file, then rename); writes of one task land in call order. */
  save(record: TaskRecord): Promise<void> {
    const id = record.task.taskId;
    const body = JSON.stringify(record);
    const previous = this.writes.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const dir = this.dir(id);
      // Only the agent reads its records: they hold every task's environment.
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = join(dir, 'task.json.tmp');
      // Synced before the rename: a record that says a task was started must survive a crash of the machine.
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(body);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(dir, 'task.json'));
    });
    // The caller gets the failure through `next`; the chain only has to go on after it.
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return next;
  }

  async loadAll(): Promise<{ records: TaskRecord[]; unreadable: { taskId: string; error: string }[] }> {
    const records: TaskRecord[] = [];
    const unreadable: { taskId: string; error: string }[] = [];
    const ids = await readdir(this.root).catch((e: unknown) => {
      // No task ever ran here.
      if (isErrno(e, 'ENOENT')) return [] as string[];
      throw e;
    });
    for (const taskId of ids) {
      try {
        const record = JSON.parse(await readFile(join(this.dir(taskId), 'task.json'), 'utf8')) as TaskRecord;
        if (record.version !== 1 || record.task?.taskId !== taskId) throw new Error('not a task record of this version');
        records.push(record);
      } catch (e) {
        unreadable.push({ taskId, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return { records, unreadable };
  }
}
