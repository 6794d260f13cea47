import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { MarshalError, type HttpResponseOf, type ParkedEvent } from '@marshal/contracts';
import { APP_CONFIG, SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';
import { RequireRole } from '../auth/auth.guard';
import { NoBody } from '../http/request-body';

const POLL_MS = 100;

function parseSeq(raw: string): number {
  const seq = /^[0-9]{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw new MarshalError('INVALID_ARGUMENT', `seq must be a stream sequence (a positive integer), got '${raw.slice(0, 40)}'`, [
      { path: '/seq', message: 'must be a positive integer' },
    ]);
  }
  return seq;
}

/**
 * Parked events (docs/api.md): what the consumers could not apply and skipped, and their retry after a fix. Admin
 * only: the list shows raw subjects and errors of every service.
 */
@Controller('v1/admin/parked')
export class ParkedController {
  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(APP_CONFIG) private readonly config: { REQUEST_TIMEOUT_MS: number },
  ) {}

  /** `GET /v1/admin/parked`: every parked event of every consumer, by sequence. */
  @Get()
  @RequireRole('admin')
  async list(): Promise<HttpResponseOf<'GET /v1/admin/parked'>> {
    return { parked: await (await this.ctx.store.parkedEvents()).list() };
  }

  /**
   * `POST /v1/admin/parked/{seq}/retry`: every consumer that parked the sequence reads it from the stream and applies
   * it again; answers once each has (unparked, or parked again with its retry counted) or at the request deadline.
   */
  @Post(':seq/retry')
  @HttpCode(200)
  @RequireRole('admin')
  @NoBody()
  async retry(@Param('seq') raw: string): Promise<HttpResponseOf<'POST /v1/admin/parked/{seq}/retry'>> {
    const seq = parseSeq(raw);
    const parked = await this.ctx.store.parkedEvents();
    const before = await parked.list(seq);
    if (before.length === 0) throw new MarshalError('NOT_FOUND', `no consumer has parked the event at sequence ${seq}`);
    parked.requestRetry(seq);
    const deadline = Date.now() + this.config.REQUEST_TIMEOUT_MS;
    let now: ParkedEvent[] = before;
    const settled = (): boolean =>
      before.every((b) => {
        const after = now.find((n) => n.consumer === b.consumer);
        return !after || after.retries > b.retries;
      });
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      now = await parked.list(seq);
      if (settled()) break;
    }
    return {
      seq,
      consumers: before.map((b) => b.consumer),
      unparked: before.filter((b) => !now.some((n) => n.consumer === b.consumer)).map((b) => b.consumer),
      stillParked: now,
    };
  }
}
