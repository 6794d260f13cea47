import { MarshalError } from '@marshal/contracts';

/** What a waiter does when its deadline passes first: fail with TIMEOUT, or go on with what the fold has. */
export type OnTimeout = 'throw' | 'proceed';

interface Waiter {
  seq: number;
  settle: (reached: boolean) => void;
  fail: (e: MarshalError) => void;
  onTimeout: OnTimeout;
  timer: NodeJS.Timeout;
}

/**
 * "Wait until my fold has reached sequence N": a fold calls `advance` as it applies events, and a request that must
 * see the effects of sequence N calls `reach(N, …)` (read-your-writes across services, DESIGN.md "Flow of one
 * deployment" step 8). One mechanism for every service (STYLE.md "One home per word and per mechanism").
 *
 * Waiters are kept sorted by the sequence they want, so they are released in that order (equal sequences in the order
 * they came); a waiter whose deadline passes is removed at once, and `close` releases every waiter left.
 */
export class SequenceGate {
  private seq: number;
  private waiters: Waiter[] = [];
  private closed = false;

  /** `name` says whose fold this is, in TIMEOUT messages ("plan-manager has folded the log up to …"). */
  constructor(
    private readonly name: string,
    start = 0,
  ) {
    this.seq = start;
  }

  /** The highest sequence the fold has reached. */
  get position(): number {
    return this.seq;
  }

  /** Waiters not yet released (for health pages and tests). */
  get pending(): number {
    return this.waiters.length;
  }

  /** The fold has applied everything up to `seq`. Monotonic: a lower sequence changes nothing. */
  advance(seq: number): void {
    if (seq <= this.seq) return;
    this.seq = seq;
    let n = 0;
    while (n < this.waiters.length && this.waiters[n].seq <= seq) n++;
    if (n === 0) return;
    for (const w of this.waiters.splice(0, n)) {
      clearTimeout(w.timer);
      w.settle(true);
    }
  }

  /**
   * The fold started over from an earlier point (its read models were dropped or rebuilt): the position goes down to
   * `seq`. Waiters keep waiting, since each wanted more than the old position.
   */
  rewind(seq: number): void {
    this.seq = Math.min(this.seq, seq);
  }

  /**
   * Resolves `true` once the fold has reached `seq` (at once when it already has). When `timeoutMs` passes first:
   * `'throw'` rejects with a `MarshalError` TIMEOUT naming the sequence wanted and the one reached, `'proceed'`
   * resolves `false` and the caller goes on with what the fold has.
   */
  reach(seq: number, timeoutMs: number, onTimeout: 'throw'): Promise<true>;
  reach(seq: number, timeoutMs: number, onTimeout: 'proceed'): Promise<boolean>;
  reach(seq: number, timeoutMs: number, onTimeout: OnTimeout): Promise<boolean> {
    if (seq <= this.seq) return Promise.resolve(true);
    if (this.closed) return this.released(seq, onTimeout);
    return new Promise<boolean>((resolve, reject) => {
      const waiter: Waiter = {
        seq,
        settle: resolve,
        fail: reject,
        onTimeout,
        timer: setTimeout(() => {
          this.remove(waiter);
          if (onTimeout === 'proceed') resolve(false);
          else reject(new MarshalError('TIMEOUT', `${this.name} has folded the log up to ${this.seq}, not yet ${seq}`));
        }, timeoutMs),
      };
      this.insert(waiter);
    });
  }

  /**
   * Releases every waiter (the service is stopping): `'proceed'` waiters resolve `false`, `'throw'` waiters reject
   * with UNAVAILABLE. Later calls of `reach` for a sequence not reached are answered the same way at once.
   */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      if (w.onTimeout === 'proceed') w.settle(false);
      else w.fail(this.closedError(w.seq));
    }
  }

  private released(seq: number, onTimeout: OnTimeout): Promise<boolean> {
    return onTimeout === 'proceed' ? Promise.resolve(false) : Promise.reject(this.closedError(seq));
  }

  private closedError(seq: number): MarshalError {
    return new MarshalError('UNAVAILABLE', `${this.name} stopped at ${this.seq} before reaching ${seq}`);
  }

  /** After the last waiter wanting a sequence at or below `w.seq`: release order is by sequence, then arrival. */
  private insert(w: Waiter): void {
    let lo = 0;
    let hi = this.waiters.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.waiters[mid].seq <= w.seq) lo = mid + 1;
      else hi = mid;
    }
    this.waiters.splice(lo, 0, w);
  }

  private remove(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}
