import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskInfo, TaskState } from '@marshal/contracts';
import type { ProcessHandle } from './launcher';

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

  async exists(taskId: string): Promise<boolean> {
    return stat(join(this.dir(taskId), 'task.json')).then(
      () => true,
      () => false,
    );
  }

  /** Writes the record atomically (temporary file, then rename); writes of one task land in call order. */
  save(record: TaskRecord): Promise<void> {
    const id = record.task.taskId;
    const body = JSON.stringify(record);
    const previous = this.writes.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const dir = this.dir(id);
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, 'task.json.tmp');
      await writeFile(tmp, body);
      await rename(tmp, join(dir, 'task.json'));
    });
    const settled = next.catch(() => undefined);
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return next;
  }

  async loadAll(): Promise<{ records: TaskRecord[]; unreadable: { taskId: string; error: string }[] }> {
    const records: TaskRecord[] = [];
    const unreadable: { taskId: string; error: string }[] = [];
    const ids = await readdir(this.root).catch(() => [] as string[]);
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
