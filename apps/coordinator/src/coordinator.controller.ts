import { Controller } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { CommandReply, CommandRequest, MarshalEvent, Recorded } from '@marshal/contracts';
import { ALL_EVENTS } from '@marshal/messaging';
import { CoordinatorService } from './coordinator.service';

@Controller()
export class CoordinatorController {
  constructor(private readonly coordinator: CoordinatorService) {}

  @EventPattern(ALL_EVENTS)
  onEvent(@Payload() rec: Recorded<MarshalEvent>): void {
    this.coordinator.apply(rec);
  }

  /** `GET /v2/debug/offers` (reference §6.8) asks this. */
  @MessagePattern('coordinator.offers')
  offers(@Payload() req: CommandRequest<'coordinator.offers'>): CommandReply<'coordinator.offers'> {
    return this.coordinator.offers(req.service);
  }
}
