import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { MarshalEvent, Recorded } from '@marshal/contracts';
import { JetStreamContext } from '@marshal/messaging';
import { AgentHost } from './agent-host';

export const AGENT_HOST = 'AGENT_HOST';

@Controller()
export class AgentController {
  constructor(@Inject(AGENT_HOST) private readonly host: AgentHost) {}

  @EventPattern('TaskLaunched')
  launched(@Payload() rec: Recorded<MarshalEvent>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.host.onEvent(rec, ctx.getPending());
  }

  @EventPattern('TaskKillRequested')
  killRequested(@Payload() rec: Recorded<MarshalEvent>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.host.onEvent(rec, ctx.getPending());
  }

  @EventPattern('TaskStatusUpdated')
  status(@Payload() rec: Recorded<MarshalEvent>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.host.onEvent(rec, ctx.getPending());
  }

}
