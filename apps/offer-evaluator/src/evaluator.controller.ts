import { Controller, Inject } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { CommandReply, CommandRequest, MarshalEvent, Recorded } from '@marshal/contracts';
import { evaluate } from '@marshal/offer';
import { APP_CONFIG } from '@marshal/runtime';
import { LedgerService } from './ledger.service';

@Controller()
export class EvaluatorController {
  constructor(
    private readonly ledger: LedgerService,
    @Inject(APP_CONFIG) private readonly config: { LEDGER_WAIT_MS: number },
  ) {}

  @EventPattern('AgentRegistered')
  registered(@Payload() rec: Recorded<MarshalEvent>): void {
    this.ledger.apply(rec);
  }
  @EventPattern('ResourcesReserved')
  reserved(@Payload() rec: Recorded<MarshalEvent>): void {
    this.ledger.apply(rec);
  }
  @EventPattern('ResourcesReleased')
  released(@Payload() rec: Recorded<MarshalEvent>): void {
    this.ledger.apply(rec);
  }
  @EventPattern('AgentLost')
  lost(@Payload() rec: Recorded<MarshalEvent>): void {
    this.ledger.apply(rec);
  }

  /** Stateless apart from the ledger fold: any instance of the queue group can answer any candidate. */
  @MessagePattern('offer.evaluate')
  async evaluate(@Payload() req: CommandRequest<'offer.evaluate'>): Promise<CommandReply<'offer.evaluate'>> {
    await this.ledger.reach(req.ledgerSeq, this.config.LEDGER_WAIT_MS);
    const servicePods = new Map(req.servicePods.map((p) => [p.type, p]));
    const result = evaluate({ candidate: req.candidate, pod: req.pod, ledger: this.ledger.ledger, servicePods });
    return { proposal: result.proposal, outcomes: result.outcomes, ledgerSeq: this.ledger.ledger.seq };
  }
}
