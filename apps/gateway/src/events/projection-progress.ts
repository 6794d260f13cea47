import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';

/**
 * The projector's progress as it announces it on core NATS: lets a long poll sleep until the read models move past a
 * sequence instead of querying in a loop.
 */
@Injectable()
export class ProjectionProgress implements OnModuleDestroy {
  private known = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private readonly sub: Subscription;

  constructor(@Inject(SERVICE_CONTEXT) ctx: ServiceContext) {
    const sub = ctx.nc.subscribe(ctx.subjects.projectorProgress);
    this.sub = sub;
    void (async () => {
      for await (const m of sub) this.advance(m.json<{ seq: number }>().seq);
    })();
  }

  private advance(seq: number): void {
    if (seq <= this.known) return;
    this.known = seq;
    this.waiters = this.waiters.filter((w) => (w.seq < seq ? (w.resolve(), false) : true));
  }

  /** Resolves when the read models move past `seq`, or after `timeoutMs`. */
  beyond(seq: number, timeoutMs: number): Promise<void> {
    if (this.known > seq) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        resolve();
      }, timeoutMs);
      this.waiters.push({ seq, resolve: done });
    });
  }

  onModuleDestroy(): void {
    this.sub.unsubscribe();
  }
}
