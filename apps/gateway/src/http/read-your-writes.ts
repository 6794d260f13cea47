import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { MarshalError } from '@marshal/contracts';
import { ReadModelQueries } from '@marshal/persistence';
import { APP_CONFIG, SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';

/**
 * A mutating call answers with the log sequence it produced; a read that passes it back (`?seq=` or the
 * `X-Marshal-Seq` header) waits, bounded, until the read models have caught up, so a client reads its own writes.
 */
@Injectable()
export class ReadYourWrites {
  private known = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];

  constructor(
    private readonly queries: ReadModelQueries,
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(APP_CONFIG) private readonly config: { READ_WAIT_MS: number },
  ) {
    const sub = ctx.nc.subscribe(ctx.subjects.projectorProgress);
    void (async () => {
      for await (const m of sub) this.advance(m.json<{ seq: number }>().seq);
    })();
  }

  private advance(seq: number): void {
    if (seq <= this.known) return;
    this.known = seq;
    this.waiters = this.waiters.filter((w) => (w.seq <= seq ? (w.resolve(), false) : true));
  }

  requestedSeq(req: FastifyRequest): number | undefined {
    const q = (req.query as Record<string, string | undefined>)['seq'];
    const h = req.headers['x-marshal-seq'];
    const raw = q ?? (Array.isArray(h) ? h[0] : h);
    if (raw === undefined || raw === '') return undefined;
    if (!/^\d+$/.test(raw)) throw new MarshalError('INVALID_ARGUMENT', `seq must be a non-negative integer, got '${raw}'`, [{ path: 'seq', message: 'not an integer' }]);
    return Number(raw);
  }

  /** Resolves once the read models include `seq`, or after READ_WAIT_MS (the read then shows what is there). */
  async waitFor(seq: number | undefined): Promise<void> {
    if (seq === undefined || seq <= this.known) return;
    this.advance(await this.queries.checkpoint());
    if (seq <= this.known) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.config.READ_WAIT_MS);
      this.waiters.push({ seq, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}
