import { randomUUID } from 'node:crypto';
import { agentAggregate, makeEvent, sanitizeWorldText, serviceAggregate, type AgentIdentity, type MarshalEvent, type Recorded, type TaskInfo } from '@marshal/contracts';
import type { ServiceContext } from '@marshal/runtime';
import { AgentTasksView } from './agent-tasks.view';
import { unexpectedError, type StatusReport, type TaskRunner } from './runner';
import type { StatusSpool } from './status-spool';

/** How long a stopping agent waits for its spooled statuses to reach the log; the rest wait on disk for its next start. */
const STOP_GRACE_MS = 5_000;

export type { AgentIdentity } from '@marshal/contracts';

/**
 * One agent: registers its resources and runs what the log tells it to (its host says it is alive). At start it
 * replays its task subjects to learn what should be running, re-adopts or kills accordingly, then follows new launches
 * and kills.
 */
export class AgentInstance {
  readonly view: AgentTasksView;
  /** Registered since this process started (heartbeats name only registered agents). */
  registered = false;
  private caughtUp = false;

  constructor(
    private readonly ctx: ServiceContext<unknown>,
    readonly identity: AgentIdentity,
    readonly runner: TaskRunner,
    /** Where statuses wait for the log: they reach it in order, however long NATS is away. */
    readonly spool: StatusSpool,
    opts: { maxKnownTasks?: number } = {},
  ) {
    this.view = new AgentTasksView(identity.agentId, opts.maxKnownTasks);
  }

  /**
   * Status reports from the runner become TaskStatusUpdated events, spooled and appended in the order they happened.
   * The message is text the world produced (output, exit reasons): sanitised so no event can fail the read models.
   */
  report(r: StatusReport, agentId = this.identity.agentId): void {
    const id = randomUUID();
    const cause = this.view.causeOf(r.taskId, r.state);
    const event = makeEvent(
      'TaskStatusUpdated',
      serviceAggregate(r.service),
      {
        service: r.service,
        agentId,
        taskId: r.taskId,
        taskName: r.taskName,
        state: r.state,
        message: sanitizeWorldText(r.message),
        ...(r.readiness ? { readiness: r.readiness } : {}),
        ...(r.healthy !== undefined ? { healthy: r.healthy } : {}),
        ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
      },
      { id, at: new Date().toISOString(), correlationId: cause?.correlationId ?? r.taskId, causationId: cause?.eventId ?? null, actor: `agent:${agentId}` },
    );
    this.spool.add({ subject: this.ctx.subjects.serviceTask(r.service, agentId), event });
  }

  async register(): Promise<void> {
    const { agentId, hostname, attributes, zone, region, resources } = this.identity;
    const id = randomUUID();
    await this.ctx.store.append(
      this.ctx.subjects.agent(agentId),
      makeEvent(
        'AgentRegistered',
        agentAggregate(agentId),
        { agentId, hostname, attributes, ...(zone ? { zone } : {}), ...(region ? { region } : {}), resources },
        { id, at: new Date().toISOString(), correlationId: id, causationId: null, actor: `agent:${agentId}` },
      ),
    );
    this.registered = true;
    this.ctx.log.debug({ agentId, hostname, attributes, resources }, 'agent registered');
  }

  async onEvent(rec: Recorded<MarshalEvent>, pending: number): Promise<void> {
    this.view.apply(rec.event);
    if (!this.caughtUp) {
      if (pending === 0) await this.markCaughtUp();
      return;
    }
    await this.act(rec.event);
  }

  /** Called when the log has been replayed (also when there was nothing to replay). */
  async markCaughtUp(): Promise<void> {
    if (this.caughtUp) return;
    this.caughtUp = true;
    await this.reconcile();
  }

  /**
   * Launches and kills are started, not awaited: a task may take long to start (URI fetches) or to die (its grace
   * period), and the agents of a process share one subscription. The runner registers a launch at once, so a kill
   * that follows it in the log still finds it.
   */
  private async act(event: MarshalEvent): Promise<void> {
    if (event.type === 'TaskLaunched' && event.data.agentId === this.identity.agentId) {
      this.start(event.data.task);
    } else if (event.type === 'TaskKillRequested' && event.data.agentId === this.identity.agentId) {
      this.stopTask(event.data.taskId, event.data.reason);
    } else if (event.type === 'TaskStatusUpdated' && event.data.state === 'TASK_LOST' && event.data.agentId === this.identity.agentId) {
      // Reported lost while it ran here (this agent missed its heartbeats): the log gave up on it, so it must stop,
      // as Mesos killed the tasks of an agent that came back after being marked gone.
      if (this.runner.list().some((t) => t.task.taskId === event.data.taskId)) this.stopTask(event.data.taskId, 'reported lost while its agent was silent');
    }
  }

  private start(task: TaskInfo): void {
    // The runner reports its own failures as statuses; what still escapes it is a bug, said and counted.
    void this.runner.launch(task).catch((e: unknown) => unexpectedError('launching a task', e, { taskId: task.taskId }));
  }

  private stopTask(taskId: string, reason: string): void {
    void this.runner.kill(taskId, reason).catch((e: unknown) => unexpectedError('killing a task', e, { taskId }));
  }

  /** Brings what runs in line with the log after a (re)start. */
  private async reconcile(): Promise<void> {
    const running = new Set(this.runner.list().map((t) => t.task.taskId));
    const desired = this.view.desired();
    const desiredIds = new Set(desired.map((t) => t.task.taskId));
    let launched = 0;
    let lost = 0;
    for (const t of desired) {
      if (running.has(t.task.taskId)) continue;
      if (t.lastState === undefined) {
        this.ctx.log.info({ taskId: t.task.taskId }, 'launching a task that was launched while the agent was away');
        this.start(t.task);
        launched++;
      } else {
        this.report({ taskId: t.task.taskId, taskName: t.task.taskName, service: t.task.service, state: 'TASK_LOST', message: 'task is gone: the agent found no trace of it after a restart' });
        lost++;
      }
    }
    const restated = this.view.unreportedRunning(this.runner.list().map((t) => ({ taskId: t.task.taskId, state: t.state })));
    for (const t of restated) {
      this.report({ taskId: t.task.taskId, taskName: t.task.taskName, service: t.task.service, state: 'TASK_RUNNING', message: 'running when the agent restarted' });
    }
    let killed = 0;
    for (const { task } of this.runner.list()) {
      if (desiredIds.has(task.taskId)) continue;
      this.stopTask(task.taskId, 'not wanted by the log any more');
      killed++;
    }
    if (running.size + launched + lost + killed > 0) {
      this.ctx.log.info({ agentId: this.identity.agentId, adopted: running.size - killed, restated: restated.length, launched, lost, killed }, 'agent reconciled with the log');
    }
  }

  async stop(): Promise<void> {
    await this.runner.detach();
    await this.spool.stop(STOP_GRACE_MS);
  }
}
