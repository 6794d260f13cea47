import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { MarshalEvent, Recorded } from '@marshal/contracts';
import { SequenceGate } from '@marshal/messaging';
import { applyToLedger, emptyLedger, type Ledger } from '@marshal/offer';

/** This process's fold of the agents' ledger subjects; evaluations read it. */
@Injectable()
export class LedgerService implements OnModuleDestroy {
  readonly ledger: Ledger = emptyLedger();
  private readonly gate = new SequenceGate('offer-evaluator');

  apply(rec: Recorded<MarshalEvent>): void {
    applyToLedger(this.ledger, rec);
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
