import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { MarshalEvent, Recorded } from '@marshal/contracts';
import { SequenceGate } from '@marshal/messaging';
import { applyToLedger, emptyLedger, type Ledger } from '@marshal/offer';
import { SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';

/** This process's fold of the agents' ledger subjects; evaluations read it. */
@Injectable()
export class LedgerService implements OnModuleDestroy {
  readonly ledger: Ledger = emptyLedger();
  private readonly gate = new SequenceGate('offer-evaluator');

  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: Pick<ServiceContext, 'subjects'>) {}

  /** Every event of the agent subjects comes here; the ledger decides what it folds (`applyToLedger`). */
  apply(rec: Recorded<MarshalEvent>): void {
    applyToLedger(this.ledger, rec, this.ctx.subjects);
    this.ledger.seq = Math.max(this.ledger.seq, rec.seq);
    this.gate.advance(this.ledger.seq);
  }

  /** Resolves once the ledger has folded `seq` (or at the deadline: then the evaluation uses what it has). */
  async reach(seq: number, timeoutMs: number): Promise<void> {
    await this.gate.reach(seq, timeoutMs, 'proceed');
  }

  onModuleDestroy(): void {
    this.gate.close();
  }
}
