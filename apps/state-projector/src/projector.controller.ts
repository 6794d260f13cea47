import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { MarshalEvent, Recorded } from '@marshal/contracts';
import { ALL_EVENTS, JetStreamContext } from '@marshal/messaging';
import { ProjectorService } from './projector.service';

@Controller()
export class ProjectorController {
  constructor(private readonly projector: ProjectorService) {}

  @EventPattern(ALL_EVENTS)
  onEvent(@Payload() rec: Recorded<MarshalEvent>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.projector.onEvent(rec, ctx.getPending());
  }
}
