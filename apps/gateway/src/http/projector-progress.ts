import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { ReadModelQueries } from '@marshal/persistence';
import { SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';

/**
 * How far the read models are: the projector announces each new checkpoint on core NATS; this keeps the highest one
 * seen and tells listeners (read-your-writes waiters, live streams).
 */
@Injectable()
export class ProjectorProgress extends EventEmitter implements OnModuleDestroy {
  private seq = 0;
  private readonly sub: ReturnType<ServiceContext['nc']['subscribe']>;

  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    private readonly queries: ReadModelQueries,
  ) {
    super();
    this.setMaxListeners(0);
    const sub = ctx.nc.subscribe(ctx.subjects.projectorProgress);
    this.sub = sub;
    void (async () => {
      for await (const m of sub) this.advance(m.json<{ seq: number }>().seq);
    })();
  }

  get current(): number {
    return this.seq;
  }

  advance(seq: number): void {
    if (seq <= this.seq) return;
    this.seq = seq;
    this.emit('progress', seq);
  }

  /** The checkpoint in the database, for when no announcement was heard yet. */
  async refresh(): Promise<number> {
    this.advance(await this.queries.checkpoint());
    return this.seq;
  }

  /**
   * Resolves once the read models include `seq` (what an announcement or the database says), or after `timeoutMs`:
   * then the caller reads what is there.
   */
  async reach(seq: number, timeoutMs: number): Promise<void> {
    if (seq <= this.seq) return;
    if (seq <= (await this.refresh())) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('progress', onProgress);
        resolve();
      };
      const onProgress = (s: number): void => {
        if (s >= seq) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.on('progress', onProgress);
    });
  }

  onModuleDestroy(): void {
    this.sub.unsubscribe();
  }
}
