import { Controller, Inject } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import type { BatchEvaluationResult, CommandReply, CommandRequest, MarshalEvent, Recorded } from '@marshal/contracts';
import { evaluate, evaluateBatch } from '@marshal/offer';
import { ALL_EVENTS } from '@marshal/messaging';
import { APP_CONFIG } from '@marshal/runtime';
import { LedgerService } from './ledger.service';

/** NATS refuses messages over 1 MiB by default: a batch reply keeps well below by explaining less. */
const MAX_REPLY_BYTES = 768 * 1024;

@Controller()
export class EvaluatorController {
  constructor(
    private readonly ledger: LedgerService,
    @Inject(APP_CONFIG) private readonly config: { LEDGER_WAIT_MS: number },
  ) {}

  /**
   * Every event of the agent subjects (the source's filter): the ledger decides what it folds, so an event type added
   * to those subjects later still moves the fold's sequence instead of being dropped here unseen.
   */
  @EventPattern(ALL_EVENTS)
  onAgentEvent(@Payload() rec: Recorded<MarshalEvent>): void {
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

  /** Many candidates against one ledger state; each proposal counts for the next (no double proposal in a batch). */
  @MessagePattern('offer.evaluate-batch')
  async evaluateBatch(@Payload() req: CommandRequest<'offer.evaluate-batch'>): Promise<CommandReply<'offer.evaluate-batch'>> {
    await this.ledger.reach(req.ledgerSeq, this.config.LEDGER_WAIT_MS);
    const results = evaluateBatch({
      candidates: req.candidates,
      configs: req.configs,
      ledger: this.ledger.ledger,
      ...(req.startAt === undefined ? {} : { startAt: req.startAt }),
      ...(req.maxOutcomes === undefined ? {} : { maxOutcomes: req.maxOutcomes }),
      ...(req.maxOutcomesWithProposal === undefined ? {} : { maxOutcomesWithProposal: req.maxOutcomesWithProposal }),
    });
    return { results: fitReply(results), ledgerSeq: this.ledger.ledger.seq };
  }
}

/** Bytes a result adds to the reply, roughly (outcome lines dominate); exact enough to stay below the NATS limit. */
function estimate(r: BatchEvaluationResult): number {
  let n = 600;
  for (const o of r.outcomes) {
    n += 80 + o.agentId.length + o.hostname.length;
    for (const line of o.reasons) n += line.length + 8;
  }
  return n;
}

/** Drops the least useful outcomes (the farthest rejected agents first) until the reply fits. */
export function fitReply(results: BatchEvaluationResult[], maxBytes = MAX_REPLY_BYTES): BatchEvaluationResult[] {
  // The common case, a batch of placed candidates explained by their winner at most, is far below the limit.
  if (results.length <= 500 && results.every((r) => r.outcomes.length <= 1)) return results;
  let size = results.reduce((n, r) => n + estimate(r), 0);
  for (let keep = 8; size > maxBytes && keep >= 0; keep = keep === 0 ? -1 : Math.floor(keep / 2)) {
    results = results.map((r) => (r.outcomes.length > keep ? { ...r, outcomes: r.outcomes.slice(0, keep) } : r));
    size = results.reduce((n, r) => n + estimate(r), 0);
  }
  return results;
}
