import type { DataSource } from 'typeorm';
import type { MarshalEvent, Recorded, Subjects } from '@marshal/contracts';
import { isTransientFailure } from '@marshal/messaging';
import { prepareBatch, projectBatch, type PreparedBatch } from '@marshal/persistence';
import type { Logger } from '@marshal/runtime';

const noop = (): void => undefined;

export interface Flushed {
  /** The generation's checkpoint after the flush. */
  checkpoint: number;
  /** Events in the flushed batch. */
  events: number;
  seconds: number;
  /** True when the generation holds every event the consumer had seen in the log. */
  caughtUp: boolean;
}

export interface WorkerOptions {
  batchSize: number;
  /** Generation written (a rebuild); default the active one. */
  generation?: number;
  onFlushed?: (f: Flushed) => void | Promise<void>;
  log: Logger;
  /** Pause before a failed batch is tried again. */
  retryDelayMs?: number;
  /**
   * Deterministic failures of a batch before its events are tried one by one, and of one event before it is parked
   * (default: retried forever). Transient failures (PostgreSQL restarting, …) are always retried.
   */
  maxAttempts?: number;
  /**
   * Parks an event PostgreSQL refuses however often it is tried (docs/architecture.md, poison events); resolves true
   * once recorded, and the worker skips it. Resolves false when it could not be recorded (stopping): tried again.
   */
  park?: (rec: Recorded<MarshalEvent>, error: unknown, attempts: number) => Promise<boolean>;
}

/**
 * Applies the events of an ordered consumer to one read-model generation by group commit: events are queued as they
 * arrive and a single flusher writes whatever has queued up, at most `batchSize` per transaction. An idle log is
 * projected event by event within one transaction's time; under load the batches grow by themselves while the
 * previous one commits. A failed batch stays at the head of the queue and is tried again (exactly once still holds:
 * the checkpoint moves only with the batch). The consumer is held back when twice a batch is queued.
 */
export class ProjectionWorker {
  private queue: Recorded<MarshalEvent>[] = [];
  private checkpoint: number;
  private lastQueued: number;
  /** Highest sequence the consumer said the log had (delivered + pending). */
  private head = 0;
  private flushing?: Promise<void>;
  private room: (() => void)[] = [];
  private stopped = false;
  /** Events still to project one per transaction, to find the one a failing batch cannot write. */
  private isolating = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly subjects: Subjects,
    private readonly o: WorkerOptions,
    start = 0,
  ) {
    this.checkpoint = start;
    this.lastQueued = start;
  }

  get position(): number {
    return this.checkpoint;
  }

  get logHead(): number {
    return this.head;
  }

  async onEvent(rec: Recorded<MarshalEvent>, pending: number): Promise<void> {
    this.head = Math.max(this.head, rec.seq + pending);
    // Already queued or in the generation (a redelivery, or written by another projector instance).
    if (rec.seq <= this.lastQueued) return;
    this.queue.push(rec);
    this.lastQueued = rec.seq;
    this.kick();
    if (this.queue.length >= 2 * this.o.batchSize) await new Promise<void>((resolve) => this.room.push(resolve));
  }

  private kick(): void {
    if (this.flushing || this.stopped) return;
    this.flushing = this.flushAll().finally(() => {
      this.flushing = undefined;
      if (this.queue.length && !this.stopped) this.kick();
    });
  }

  /**
   * Writes the queue batch by batch; while one batch's transaction runs, the next is prepared (its row changes and
   * COPY lines), so JavaScript and PostgreSQL work side by side.
   */
  private async flushAll(): Promise<void> {
    let prepared: PreparedBatch | undefined;
    let failures = 0;
    while (this.queue.length && !this.stopped) {
      // While isolating a batch that keeps failing, its events go one per transaction to find the one at fault.
      const size = this.isolating > 0 ? 1 : this.o.batchSize;
      const current = prepared && prepared.recs.length <= size ? prepared : prepareBatch(this.subjects, this.queue.slice(0, size));
      prepared = undefined;
      const t0 = process.hrtime.bigint();
      const writing = projectBatch(this.ds, this.subjects, current, { generation: this.o.generation });
      // Awaited below; this only keeps a rejection that lands during the preparation from being reported unhandled.
      writing.catch(noop);
      const next = this.queue.slice(current.recs.length, current.recs.length + size);
      if (next.length) {
        await new Promise((r) => setImmediate(r));
        prepared = prepareBatch(this.subjects, next);
      }
      try {
        this.checkpoint = await writing;
      } catch (e) {
        const from = current.recs[0].seq;
        const to = current.recs[current.recs.length - 1].seq;
        const deterministic = !isTransientFailure(e);
        if (deterministic) failures++;
        if (deterministic && this.o.maxAttempts !== undefined && failures >= this.o.maxAttempts) {
          if (current.recs.length > 1) {
            this.o.log.warn({ err: e, from, to, attempts: failures }, 'a batch keeps failing; projecting its events one by one to find the one at fault');
            this.isolating = current.recs.length;
            failures = 0;
            continue;
          }
          if (await this.o.park?.(current.recs[0], e, failures)) {
            this.queue.splice(0, 1);
            if (this.isolating > 0) this.isolating--;
            failures = 0;
            this.releaseRoom();
            continue;
          }
        }
        this.o.log.error({ err: e, from, to, generation: this.o.generation ?? 'active' }, 'projection failed; retrying');
        prepared = current;
        await new Promise((r) => setTimeout(r, this.o.retryDelayMs ?? 500));
        continue;
      }
      failures = 0;
      if (this.isolating > 0) this.isolating = Math.max(0, this.isolating - current.recs.length);
      this.queue.splice(0, current.recs.length);
      this.lastQueued = Math.max(this.lastQueued, this.checkpoint);
      this.releaseRoom();
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      await this.o.onFlushed?.({ checkpoint: this.checkpoint, events: current.recs.length, seconds, caughtUp: this.queue.length === 0 && this.checkpoint >= this.head });
    }
  }

  private releaseRoom(): void {
    if (this.queue.length < 2 * this.o.batchSize) this.room.splice(0).forEach((r) => r());
  }

  /** True for a sequence this worker has already queued or written: a redelivery, or an admin's retry of a parked one. */
  isBehind(seq: number): boolean {
    return seq <= this.lastQueued;
  }

  /** Resolves when everything queued so far is in the generation. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.flushing;
    this.room.splice(0).forEach((r) => r());
  }
}
