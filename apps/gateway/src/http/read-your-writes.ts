import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { MarshalError } from '@marshal/contracts';
import { APP_CONFIG } from '@marshal/runtime';
import { ClientLimits } from './client-limits';
import { ProjectorProgress } from './projector-progress';

/**
 * A mutating call answers with the log sequence it produced; a read that passes it back (`?seq=` or the
 * `X-Marshal-Seq` header) waits, bounded, until the read models have caught up, so a client reads its own writes.
 */
@Injectable()
export class ReadYourWrites {
  constructor(
    private readonly progress: ProjectorProgress,
    private readonly limits: ClientLimits,
    @Inject(APP_CONFIG) private readonly config: { READ_WAIT_MS: number },
  ) {}

  requestedSeq(req: FastifyRequest): number | undefined {
    const q = (req.query as Record<string, string | undefined>)['seq'];
    const h = req.headers['x-marshal-seq'];
    const raw = q ?? (Array.isArray(h) ? h[0] : h);
    if (raw === undefined || raw === '') return undefined;
    if (!/^\d+$/.test(raw)) throw new MarshalError('INVALID_ARGUMENT', `seq must be a non-negative integer, got '${raw}'`, [{ path: 'seq', message: 'not an integer' }]);
    return Number(raw);
  }

  /**
   * Resolves once the read models include `seq`, or after READ_WAIT_MS (the read then shows what is there). A read
   * that has to wait counts as one of its client's long polls (MAX_LONG_POLLS_PER_TOKEN).
   */
  async waitFor(seq: number | undefined, req?: FastifyRequest): Promise<void> {
    if (seq === undefined || this.progress.current >= seq) return;
    const release = req ? this.limits.hold('longPoll', req) : undefined;
    try {
      await this.progress.reach(seq, this.config.READ_WAIT_MS);
    } finally {
      release?.();
    }
  }
}
