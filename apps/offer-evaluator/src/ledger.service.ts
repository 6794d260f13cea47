import { Injectable } from '@nestjs/common';
import type { MarshalEvent, Recorded } from '@marshal/contracts';
import { applyToLedger, emptyLedger, type Ledger } from '@marshal/offer';

/** This process's fold of the agents' ledger subjects; evaluations read it. */
@Injectable()
export class LedgerService {
  readonly ledger: Ledger = emptyLedger();
  private waiters: { seq: number; resolve: () => void }[] = [];

  apply(rec: Recorded<MarshalEvent>): void {
    applyToLedger(this.ledger, rec);
    this.ledger.seq = Math.max(this.ledger.seq, rec.seq);
    if (this.waiters.length) this.waiters = this.waiters.filter((w) => (w.seq <= this.ledger.seq ? (w.resolve(), false) : true));
  }

  /** Resolves once the ledger has folded `seq` (or at the deadline: then the evaluation uses what it has). */
  reach(seq: number, timeoutMs: number): Promise<void> {
    if (seq <= this.ledger.seq) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push({ seq, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}
