import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { SequenceGate } from '@marshal/messaging';
import { ReadModelQueries } from '@marshal/persistence';
import { SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';

/** How often the checkpoint is read from the database, in case announcements were lost (core NATS does not retry). */
const POLL_MS = 1_000;

/**
 * How far the read models are: the projector announces each new checkpoint on core NATS; this keeps the highest one
 * seen and tells listeners (read-your-writes waiters, live streams, the read-model cache). The database's checkpoint
 * is also read every second, so a lost announcement delays a listener by a second at most.
 *
 * `reset` tells that the read models went back (dropped, or projected again from an earlier point): the projector
 * announced a checkpoint below the known one, the database holds one below what was known before asking, or the
 * checkpoint could not be read at all. The known checkpoint then follows the database down.
 */
@Injectable()
export class ProjectorProgress extends EventEmitter implements OnModuleDestroy {
  /** The highest checkpoint known; read-your-writes waiters wait on it. */
  private readonly gate = new SequenceGate('the read models');
  private readonly sub: ReturnType<ServiceContext['nc']['subscribe']>;
  private readonly poll: NodeJS.Timeout;

  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    private readonly queries: ReadModelQueries,
  ) {
    super();
    this.setMaxListeners(0);
    const sub = ctx.nc.subscribe(ctx.subjects.projectorProgress);
    this.sub = sub;
    void (async () => {
      for await (const m of sub) {
        // Anyone allowed to publish here could send garbage: skip it (and say so) rather than end the listener.
        let seq: unknown;
        try {
          seq = m.json<{ seq?: unknown }>()?.seq;
        } catch (e) {
          ctx.log.warn({ err: e, subject: m.subject }, 'ignored a projector progress message that is not JSON');
          continue;
        }
        if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0) this.announced(seq);
        else ctx.log.warn({ subject: m.subject }, 'ignored a projector progress message without a valid seq');
      }
    })();
    this.poll = setInterval(() => void this.sync(), POLL_MS).unref();
  }

  /** What the poll does: reads the database's checkpoint; not being able to read it counts as a reset. */
  async sync(): Promise<void> {
    try {
      await this.refresh();
    } catch {
      this.emit('reset');
    }
  }

  /** One projector announces its checkpoints in order: a lower one means it started over. */
  private announced(seq: number): void {
    if (seq < this.gate.position) this.reset(seq);
    else this.advance(seq);
  }

  private reset(seq: number): void {
    this.gate.rewind(seq);
    this.emit('reset');
    this.emit('progress', seq);
  }

  get current(): number {
    return this.gate.position;
  }

  advance(seq: number): void {
    if (seq <= this.gate.position) return;
    this.gate.advance(seq);
    this.emit('progress', seq);
  }

  /** The checkpoint in the database, for when no announcement was heard yet (or one was lost). */
  async refresh(): Promise<number> {
    const known = this.gate.position;
    const db = await this.queries.checkpoint();
    // The database's checkpoint only grows while the read models live: below what was known before asking, they were
    // dropped or rebuilt.
    if (db < known) this.reset(db);
    else this.advance(db);
    return this.gate.position;
  }

  /**
   * Resolves once the read models include `seq` (what an announcement or the database says), or after `timeoutMs`:
   * then the caller reads what is there.
   */
  async reach(seq: number, timeoutMs: number): Promise<void> {
    if (seq <= this.gate.position) return;
    if (seq <= (await this.refresh())) return;
    await this.gate.reach(seq, timeoutMs, 'proceed');
  }

  onModuleDestroy(): void {
    this.gate.close();
    clearInterval(this.poll);
    this.sub.unsubscribe();
  }
}
