import { isLaunchOver, isProcessGone, type MarshalEvent, type TaskInfo, type TaskState } from '@marshal/contracts';

/** A status that answers a kill request: the task is being killed or its process is gone. */
const answersKill = (state: TaskState): boolean => isProcessGone(state) || state === 'TASK_KILLING';

export interface KnownTask {
  task: TaskInfo;
  killRequested: boolean;
  lastState?: TaskState;
  /** The TaskLaunched event: its statuses continue its chain in the audit log (docs/architecture.md). */
  launch?: EventRef;
  /** The first TaskKillRequested: the task's end continues the chain of what asked for it (a command, a relaunch). */
  kill?: EventRef;
}

export interface EventRef {
  eventId: string;
  correlationId: string;
}

/**
 * What the log says about the tasks of one agent: every launch, kill request and status on its task subjects.
 * The agent folds it at start to know what should be running before it acts on new launches.
 */
export class AgentTasksView {
  private readonly tasks = new Map<string, KnownTask>();

  /**
   * `maxKnownTasks` bounds what is kept: past it, the oldest tasks that are over (asked to die, or ended) are
   * forgotten; tasks that should run are always kept.
   */
  constructor(
    readonly agentId: string,
    private readonly maxKnownTasks = 10_000,
  ) {}

  /** How many tasks the view holds. */
  get size(): number {
    return this.tasks.size;
  }

  apply(event: MarshalEvent): void {
    this.fold(event);
    // A tenth of slack: forgetting walks the map, so it runs once per that many launches, not on every event.
    if (this.tasks.size > this.maxKnownTasks + Math.ceil(this.maxKnownTasks / 10)) this.forgetOver();
  }

  private forgetOver(): void {
    for (const [taskId, t] of this.tasks) {
      if (this.tasks.size <= this.maxKnownTasks) return;
      if (t.killRequested || (t.lastState && isLaunchOver(t.lastState))) this.tasks.delete(taskId);
    }
  }

  private fold(event: MarshalEvent): void {
    switch (event.type) {
      case 'TaskLaunched':
        if (event.data.agentId === this.agentId) {
          this.tasks.set(event.data.task.taskId, { task: event.data.task, killRequested: false, launch: { eventId: event.id, correlationId: event.correlationId } });
        }
        break;
      case 'TaskKillRequested': {
        const t = this.tasks.get(event.data.taskId);
        if (t) {
          t.killRequested = true;
          t.kill ??= { eventId: event.id, correlationId: event.correlationId };
        }
        break;
      }
      case 'TaskStatusUpdated': {
        const t = this.tasks.get(event.data.taskId);
        if (t) t.lastState = event.data.state;
        break;
      }
      default:
        break;
    }
  }

  get(taskId: string): KnownTask | undefined {
    return this.tasks.get(taskId);
  }

  /**
   * The chain a status of the task belongs to (docs/architecture.md, lineage): the end of a task asked to die is caused by the kill
   * request, any other status by its launch. Undefined for a task the log never launched here.
   */
  causeOf(taskId: string, state: TaskState): EventRef | undefined {
    const t = this.tasks.get(taskId);
    return t?.kill && answersKill(state) ? t.kill : t?.launch;
  }

  /** Launched here, not asked to die, and not known to have ended. */
  desired(): KnownTask[] {
    return [...this.tasks.values()].filter((t) => !t.killRequested && !(t.lastState && isLaunchOver(t.lastState)));
  }

  /**
   * Tasks the runner re-adopted as running whose TASK_RUNNING the log never got: the runner records a status before
   * the agent appends it, so an agent stopped in between comes back with a running task the log still shows starting
   * (its step would wait for ever). Only ever forward: a record older than the log (the append won that race) is not
   * stated again.
   */
  unreportedRunning(running: readonly { taskId: string; state: TaskState }[]): KnownTask[] {
    return running.flatMap(({ taskId, state }) => {
      const t = this.tasks.get(taskId);
      if (!t || t.killRequested || state !== 'TASK_RUNNING') return [];
      return t.lastState === undefined || t.lastState === 'TASK_STAGING' || t.lastState === 'TASK_STARTING' ? [t] : [];
    });
  }
}
