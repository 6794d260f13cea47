import type { MarshalEvent, Recorded } from '@marshal/contracts';
import type { AgentInstance } from './agent-instance';

/** The agents of this process (one real agent, or many simulated ones): routes task events to their agent. */
export class AgentHost {
  private readonly byId = new Map<string, AgentInstance>();

  constructor(
    readonly agents: AgentInstance[],
    private readonly agentOf: (subject: string) => string | undefined,
  ) {
    for (const a of agents) this.byId.set(a.identity.agentId, a);
  }

  async onEvent(rec: Recorded<MarshalEvent>, pending: number): Promise<void> {
    const agentId = this.agentOf(rec.subject);
    const target = agentId ? this.byId.get(agentId) : undefined;
    if (target) await target.onEvent(rec, pending);
    if (pending === 0) await this.caughtUp();
  }

  async caughtUp(): Promise<void> {
    for (const a of this.agents) await a.markCaughtUp();
  }
}
