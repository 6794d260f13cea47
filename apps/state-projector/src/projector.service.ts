import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MarshalEvent, Recorded } from '@marshal/contracts';
import { projectBatch } from '@marshal/persistence';
import { SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';

export const DATA_SOURCE = 'DATA_SOURCE';

/**
 * Applies the log to the read models in batches: events are buffered while more are pending (catch-up) and flushed
 * in one transaction with the checkpoint; when the log is idle every event is flushed at once. After each flush the
 * new checkpoint is announced on core NATS so waiting readers (read-your-writes) and live views can move on.
 */
@Injectable()
export class ProjectorService {
  private buffer: Recorded<MarshalEvent>[] = [];
  private checkpoint = 0;

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext<{ PROJECTOR_BATCH_SIZE: number }>,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
  ) {}

  get position(): number {
    return this.checkpoint;
  }

  setPosition(seq: number): void {
    this.checkpoint = seq;
  }

  async onEvent(rec: Recorded<MarshalEvent>, pending: number): Promise<void> {
    this.buffer.push(rec);
    if (pending > 0 && this.buffer.length < this.ctx.config.PROJECTOR_BATCH_SIZE) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      this.checkpoint = await projectBatch(this.ds, this.ctx.subjects, batch);
    } catch (e) {
      // Keep the batch: the transport retries this event, and the buffered ones must not be lost.
      this.buffer = batch.slice(0, -1);
      throw e;
    }
    this.ctx.nc.publish(this.ctx.subjects.projectorProgress, JSON.stringify({ seq: this.checkpoint }));
    this.ctx.log.debug({ seq: this.checkpoint, events: batch.length }, 'projected');
  }
}
