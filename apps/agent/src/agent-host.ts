import type { Heartbeat, HeartbeatReply, MarshalEvent, Recorded } from '@marshal/contracts';
import type { AgentInstance } from './agent-instance';
import { unexpectedError } from './runner';

export interface HostLog {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

/**
 * The agents of this process (one real agent, or many simulated ones): routes task events to their agent,
 * registers them, and says they are alive with one heartbeat message for all of them.
 */
export class AgentHost {
  private readonly byId = new Map<string, AgentInstance>();
  private allCaughtUp = false;
  private heartbeat?: NodeJS.Timeout;
  private readonly reregistering = new Set<string>();

  constructor(
    readonly agents: AgentInstance[],
    private readonly agentOf: (subject: string) => string | undefined,
    private readonly log: HostLog,
  ) {
    for (const a of agents) this.byId.set(a.identity.agentId, a);
  }

  get(agentId: string): AgentInstance | undefined {
    return this.byId.get(agentId);
  }

  async onEvent(rec: Recorded<MarshalEvent>, pending: number): Promise<void> {
    const agentId = this.agentOf(rec.subject);
    const target = agentId ? this.byId.get(agentId) : undefined;
    if (target) await target.onEvent(rec, pending);
    if (pending === 0 && !this.allCaughtUp) await this.caughtUp();
  }

  /** The log has been replayed: every agent reconciles what runs with what the log wants. */
  async caughtUp(): Promise<void> {
    if (this.allCaughtUp) return;
    for (const a of this.agents) await a.markCaughtUp();
    this.allCaughtUp = true;
  }

  /** Registers every agent, `concurrency` appends at a time (a thousand simulated agents register in a blink). */
  async registerAll(concurrency = 64): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, this.agents.length) }, async () => {
        while (next < this.agents.length) await this.agents[next++].register();
      }),
    );
    this.log.info({ agents: this.agents.length }, 'agents registered');
  }

  /**
   * The coordinator answered a heartbeat saying some of our agents are lost (they missed heartbeats, e.g. while this
   * process was paused or cut off): register them again so they are offered again; their tasks were reported
   * TASK_LOST, and recovery decides what to do with them.
   */
  async onLost(agentIds: readonly string[]): Promise<void> {
    for (const agentId of agentIds) {
      const agent = this.byId.get(agentId);
      if (!agent || !agent.registered || this.reregistering.has(agentId)) continue;
      this.reregistering.add(agentId);
      this.log.warn({ agentId }, 'reported lost while alive: registering again');
      await agent.register().finally(() => this.reregistering.delete(agentId));
    }
  }

  /**
   * One message per interval on `<ns>.hb.<id>` naming every registered agent of this process; it is a request, and
   * the coordinator's answer names the ones it holds lost.
   */
  startHeartbeats(send: (beat: Heartbeat) => Promise<HeartbeatReply | undefined>, intervalMs: number): void {
    const beat = (): void => {
      const agentIds = this.agents.filter((a) => a.registered).map((a) => a.identity.agentId);
      if (agentIds.length === 0) return;
      send({ agentIds, at: new Date().toISOString(), tasks: this.agents.reduce((n, a) => n + a.runner.list().length, 0) })
        .then((reply) => (reply?.lost.length ? this.onLost(reply.lost) : undefined))
        .catch((e: unknown) => unexpectedError('handling a heartbeat reply', e));
    };
    beat();
    this.heartbeat = setInterval(beat, intervalMs);
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const a of this.agents) await a.stop();
  }
}
