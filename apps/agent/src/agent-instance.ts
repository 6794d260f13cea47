import { randomUUID } from 'node:crypto';
import { agentAggregate, makeEvent, serviceAggregate, type AgentResources, type MarshalEvent, type Recorded } from '@marshal/contracts';
import type { ServiceContext } from '@marshal/runtime';
import { AgentTasksView } from './agent-tasks.view';
import type { StatusReport, TaskRunner } from './runner';

export interface AgentIdentity {
  agentId: string;
  hostname: string;
  attributes: Record<string, string>;
  zone?: string;
  region?: string;
  resources: AgentResources;
}

/**
 * One agent: registers its resources, says it is alive, and runs what the log tells it to. At start it replays its
 * task subjects to learn what should be running, re-adopts or kills accordingly, then follows new launches and kills.
 */
export class AgentInstance {
  readonly view: AgentTasksView;
  private caughtUp = false;
  private statusQueue: Promise<unknown> = Promise.resolve();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly ctx: ServiceContext<{ HEARTBEAT_INTERVAL_MS: number }>,
    readonly identity: AgentIdentity,
    readonly runner: TaskRunner,
  ) {
    this.view = new AgentTasksView(identity.agentId);
  }

  /** Status reports from the runner become TaskStatusUpdated events, appended in the order they happened. */
  report(r: StatusReport, agentId = this.identity.agentId): void {
    const id = randomUUID();
    // A status is caused by the launch it reports on, in the launch's chain.
    const launch = this.view.get(r.taskId)?.launch;
    const event = makeEvent(
      'TaskStatusUpdated',
      serviceAggregate(r.service),
      {
        service: r.service,
        agentId,
        taskId: r.taskId,
        taskName: r.taskName,
        state: r.state,
        message: r.message,
        ...(r.readiness ? { readiness: r.readiness } : {}),
        ...(r.healthy !== undefined ? { healthy: r.healthy } : {}),
        ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
      },
      { id, at: new Date().toISOString(), correlationId: launch?.correlationId ?? r.taskId, causationId: launch?.eventId ?? null, actor: `agent:${agentId}` },
    );
    this.statusQueue = this.statusQueue
      .then(() => this.ctx.store.append(this.ctx.subjects.serviceTask(r.service, agentId), event))
      .catch((e) => this.ctx.log.error({ err: e, taskId: r.taskId, state: r.state }, 'could not record task status'));
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
    this.ctx.log.info({ agentId, hostname, attributes, resources }, 'agent registered');
    this.startHeartbeat();
  }

  private startHeartbeat(): void {
    const beat = (): void => {
      if (this.ctx.nc.isClosed()) return;
      this.ctx.nc.publish(
        this.ctx.subjects.heartbeat(this.identity.agentId),
        JSON.stringify({ agentId: this.identity.agentId, hostname: this.identity.hostname, at: new Date().toISOString(), tasks: this.runner.list().length }),
      );
    };
    beat();
    this.heartbeat = setInterval(beat, this.ctx.config.HEARTBEAT_INTERVAL_MS);
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

  private async act(event: MarshalEvent): Promise<void> {
    if (event.type === 'TaskLaunched' && event.data.agentId === this.identity.agentId) {
      await this.runner.launch(event.data.task);
    } else if (event.type === 'TaskKillRequested' && event.data.agentId === this.identity.agentId) {
      await this.runner.kill(event.data.taskId, event.data.reason);
    }
  }

  /** Brings what runs in line with the log after a (re)start. */
  private async reconcile(): Promise<void> {
    const running = new Set(this.runner.list().map((t) => t.task.taskId));
    const desired = this.view.desired();
    const desiredIds = new Set(desired.map((t) => t.task.taskId));
    for (const t of desired) {
      if (running.has(t.task.taskId)) continue;
      if (t.lastState === undefined) {
        this.ctx.log.info({ taskId: t.task.taskId }, 'launching a task that was launched while the agent was away');
        await this.runner.launch(t.task);
      } else {
        this.report({ taskId: t.task.taskId, taskName: t.task.taskName, service: t.task.service, state: 'TASK_LOST', message: 'task is gone: the agent found no trace of it after a restart' });
      }
    }
    for (const { task } of this.runner.list()) {
      if (!desiredIds.has(task.taskId)) await this.runner.kill(task.taskId, 'not wanted by the log any more');
    }
    this.ctx.log.info({ running: this.runner.list().length }, 'agent reconciled with the log');
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.runner.detach();
    await this.statusQueue;
  }
}
