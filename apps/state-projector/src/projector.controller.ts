import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { CommandReply, CommandRequest, MarshalEvent, Recorded } from '@marshal/contracts';
import { ALL_EVENTS, JetStreamContext } from '@marshal/messaging';
import { ProjectorService } from './projector.service';

@Controller()
export class ProjectorController {
  constructor(private readonly projector: ProjectorService) {}

  @EventPattern(ALL_EVENTS)
  onEvent(@Payload() rec: Recorded<MarshalEvent>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.projector.onEvent(rec, ctx.getPending());
  }

  @MessagePattern('projector.rebuild')
  rebuild(@Payload() req: CommandRequest<'projector.rebuild'>): Promise<CommandReply<'projector.rebuild'>> {
    return this.projector.requestRebuild(req);
  }
}
