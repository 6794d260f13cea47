import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { MarshalEvent, Recorded } from '@marshal/contracts';
import { ALL_EVENTS } from '@marshal/messaging';
import { CoordinatorService } from './coordinator.service';

@Controller()
export class CoordinatorController {
  constructor(private readonly coordinator: CoordinatorService) {}

  @EventPattern(ALL_EVENTS)
  onEvent(@Payload() rec: Recorded<MarshalEvent>): void {
    this.coordinator.apply(rec);
  }
}
