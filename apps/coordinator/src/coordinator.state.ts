import type { MarshalEvent, Recorded } from '@marshal/contracts';
import { CoordinatorFold } from '@marshal/scheduling';

/**
 * The coordinator's fold (`CoordinatorFold` of `@marshal/scheduling`) plus what only a running process needs: waiting
 * until the fold has reached a sequence of the log.
 */
export class CoordinatorState extends CoordinatorFold {
  private waiters: { seq: number; resolve: () => void }[] = [];

  override apply(rec: Recorded<MarshalEvent>): void {
    super.apply(rec);
    if (this.waiters.length) this.waiters = this.waiters.filter((w) => (w.seq <= this.seq ? (w.resolve(), false) : true));
  }

  /** Resolves once the fold has reached `seq`, or at the deadline (false then). */
  reach(seq: number, timeoutMs: number): Promise<boolean> {
    if (seq <= this.seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push({ seq, resolve: done });
    });
  }
}
