import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { CommandReply, CommandRequest, MarshalEvent, Recorded } from '@marshal/contracts';
import { ALL_EVENTS, JetStreamContext } from '@marshal/messaging';
import { PlanManagerService } from './plan-manager.service';

@Controller()
export class PlanManagerController {
  constructor(private readonly plans: PlanManagerService) {}

  @EventPattern(ALL_EVENTS)
  onEvent(@Payload() rec: Recorded<MarshalEvent>, @Ctx() ctx: JetStreamContext): Promise<void> {
    return this.plans.onEvent(rec, ctx.getPending());
  }

  @MessagePattern('plan.candidates')
  candidates(@Payload() req: CommandRequest<'plan.candidates'>): Promise<CommandReply<'plan.candidates'>> {
    return this.plans.candidates(req);
  }

  @MessagePattern('plan.offer-evaluated')
  offerEvaluated(@Payload() req: CommandRequest<'plan.offer-evaluated'>): Promise<CommandReply<'plan.offer-evaluated'>> {
    return this.plans.offerEvaluated(req);
  }

  @MessagePattern('plan.command')
  planCommand(@Payload() req: CommandRequest<'plan.command'>): Promise<CommandReply<'plan.command'>> {
    return this.plans.planCommand(req);
  }

  @MessagePattern('pod.command')
  podCommand(@Payload() req: CommandRequest<'pod.command'>): Promise<CommandReply<'pod.command'>> {
    return this.plans.podCommand(req);
  }

  @MessagePattern('service.uninstall')
  uninstall(@Payload() req: CommandRequest<'service.uninstall'>): Promise<CommandReply<'service.uninstall'>> {
    return this.plans.uninstall(req);
  }
}
