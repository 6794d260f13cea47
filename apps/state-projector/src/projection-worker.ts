import type { DataSource } from 'typeorm';
import type { MarshalEvent, Recorded, Subjects } from '@marshal/contracts';
import { projectBatch } from '@marshal/persistence';

export interface Flushed {
  /** The generation's checkpoint after the flush. */
  checkpoint: number;
  /** Events in the flushed batch. */
  events: number;
  seconds: number;
}

export interface WorkerOptions {
  batchSize: number;
  /** Generation written (a rebuild); default the active one. */
  generation?: number;
}

/**
 * Applies events from an ordered consumer to one read-model generation in batches: buffers while the consumer says
 * more events are pending (catch-up, bursts) up to the batch size, and flushes at once when the log is idle — so a
 * quiet log is projected event by event with low lag and a busy one in large transactions.
 */
export class ProjectionWorker {
  private buffer: Recorded<MarshalEvent>[] = [];
  private checkpoint: number;

  constructor(
    private readonly ds: DataSource,
    private readonly subjects: Subjects,
    private readonly o: WorkerOptions,
    start = 0,
  ) {
    this.checkpoint = start;
  }

  get position(): number {
    return this.checkpoint;
  }

  /** Returns what was flushed, if this event completed a batch. */
  async onEvent(rec: Recorded<MarshalEvent>, pending: number): Promise<Flushed | undefined> {
    // Already in the generation (redelivered, or written by another projector instance).
    if (rec.seq > this.checkpoint) this.buffer.push(rec);
    if (this.buffer.length === 0) return undefined;
    if (pending > 0 && this.buffer.length < this.o.batchSize) return undefined;
    const batch = this.buffer;
    this.buffer = [];
    const t0 = process.hrtime.bigint();
    try {
      this.checkpoint = await projectBatch(this.ds, this.subjects, batch, { generation: this.o.generation });
    } catch (e) {
      // The consumer retries this event; the ones buffered before it must not be lost.
      this.buffer = batch.filter((r) => r.seq !== rec.seq);
      throw e;
    }
    return { checkpoint: this.checkpoint, events: batch.length, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  }
}
