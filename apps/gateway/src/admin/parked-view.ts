import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ParkedEvent } from '@marshal/contracts';
import { SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';

/** Consumers that fold services: an event of a service they parked makes the service suspect. */
export const FOLDING_CONSUMERS: readonly string[] = ['plan-manager', 'coordinator'];

/**
 * The parked events of the namespace as the gateway knows them: a watch on the KV record keeps a copy in memory, so a
 * plan answer can say its service is suspect without a round trip (docs/architecture.md, poison events).
 */
@Injectable()
export class ParkedView implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, ParkedEvent>();
  private stopWatch?: () => void;
  private closed = false;

  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext) {}

  async onModuleInit(): Promise<void> {
    await this.watch();
  }

  private async watch(): Promise<void> {
    const parked = await this.ctx.store.parkedEvents();
    this.stopWatch = await parked.watch(
      (key, entry) => {
        if (entry) this.entries.set(key, entry);
        else this.entries.delete(key);
      },
      (e) => {
        if (this.closed) return;
        this.ctx.log.warn({ err: e }, 'watch of parked events ended; watching again');
        this.entries.clear();
        setTimeout(() => void this.watch().catch((err: unknown) => this.ctx.log.error({ err }, 'could not watch parked events')), 1_000).unref();
      },
    );
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.stopWatch?.();
  }

  /** The errors a service's plans show while a fold holds it suspect: one per parked sequence, naming it. */
  suspectErrors(service: string): string[] {
    if (this.entries.size === 0) return [];
    const bySeq = new Map<number, string[]>();
    for (const e of this.entries.values()) {
      if (!FOLDING_CONSUMERS.includes(e.consumer)) continue;
      const p = this.ctx.subjects.parse(e.subject);
      if (p?.kind !== 'service' || p.service !== service) continue;
      bySeq.set(e.seq, [...(bySeq.get(e.seq) ?? []), e.consumer]);
    }
    return [...bySeq.entries()]
      .sort(([a], [b]) => a - b)
      .map(
        ([seq, consumers]) =>
          `event ${seq} of this service is parked by ${consumers.sort().join(' and ')}: nothing is decided for the service until it is applied ` +
          `(see GET /v1/admin/parked; marshal admin parked retry ${seq} after a fix)`,
      );
  }
}
