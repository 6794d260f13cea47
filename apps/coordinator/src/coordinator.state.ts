import type { MarshalEvent, Recorded } from '@marshal/contracts';
import { SequenceGate } from '@marshal/messaging';
import { CoordinatorFold } from '@marshal/scheduling';

/**
 * The coordinator's fold (`CoordinatorFold` of `@marshal/scheduling`) plus what only a running process needs: waiting
 * until the fold has reached a sequence of the log (the shared `SequenceGate`).
 */
export class CoordinatorState extends CoordinatorFold {
  private readonly gate = new SequenceGate('coordinator');

  override apply(rec: Recorded<MarshalEvent>): void {
    super.apply(rec);
    this.gate.advance(this.seq);
  }

  /** Resolves once the fold has reached `seq`, or at the deadline (false then: the cycle goes on with what it has). */
  reach(seq: number, timeoutMs: number): Promise<boolean> {
    return this.gate.reach(seq, timeoutMs, 'proceed');
  }

  /** Releases every waiter (the coordinator is stopping). */
  close(): void {
    this.gate.close();
  }
}
