import type { DataSource } from 'typeorm';
import type { MarshalEvent, Recorded, Subjects } from '@marshal/contracts';
import { prepareBatch, projectBatch, type PreparedBatch } from '@marshal/persistence';
import type { Logger } from '@marshal/runtime';

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
    while (this.queue.length && !this.stopped) {
      const current = prepared ?? prepareBatch(this.subjects, this.queue.slice(0, this.o.batchSize));
      prepared = undefined;
      const t0 = process.hrtime.bigint();
      const writing = projectBatch(this.ds, this.subjects, current, { generation: this.o.generation });
      writing.catch(() => undefined);
      const next = this.queue.slice(current.recs.length, current.recs.length + this.o.batchSize);
      if (next.length) {
        await new Promise((r) => setImmediate(r));
        prepared = prepareBatch(this.subjects, next);
      }
      try {
        this.checkpoint = await writing;
      } catch (e) {
        this.o.log.error({ err: e, from: current.recs[0].seq, to: current.recs[current.recs.length - 1].seq, generation: this.o.generation ?? 'active' }, 'projection failed; retrying');
        prepared = current;
        await new Promise((r) => setTimeout(r, this.o.retryDelayMs ?? 500));
        continue;
      }
      this.queue.splice(0, current.recs.length);
      this.lastQueued = Math.max(this.lastQueued, this.checkpoint);
      if (this.queue.length < 2 * this.o.batchSize) this.room.splice(0).forEach((r) => r());
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      await this.o.onFlushed?.({ checkpoint: this.checkpoint, events: current.recs.length, seconds, caughtUp: this.queue.length === 0 && this.checkpoint >= this.head });
    }
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
