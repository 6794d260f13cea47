import { Controller, Get, Inject, Param, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { HttpResponseOf } from '@marshal/contracts';
import { APP_CONFIG, SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';
import { callerOf } from '../auth/auth.guard';
import { ServiceResolver } from '../http/service-resolver';

/**
 * `GET /v2/debug/offers` (reference §5.6, §6.8): the coordinator's offer outcome tracker. The plain path covers every
 * service (the coordinator is shared); `/v1/service/<name>/v2/debug/offers` one service. The original's `plan`,
 * `phase`, `step` and `sync` query parameters are accepted and ignored, as there.
 */
@Controller(['v2', 'v1/service/:service/v2', 'v1/multi/:service/v2'])
export class DebugOffersController {
  constructor(
    private readonly services: ServiceResolver,
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(APP_CONFIG) private readonly config: { REQUEST_TIMEOUT_MS: number },
  ) {}

  @Get('debug/offers')
  async offers(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<HttpResponseOf<'GET /v2/debug/offers'>> {
    const name = service === undefined ? undefined : await this.services.resolve(service);
    const commandId = randomUUID();
    return this.ctx.bus.request(
      'coordinator.offers',
      { meta: { commandId, actor: callerOf(req).actor, correlationId: commandId }, ...(name === undefined ? {} : { service: name }) },
      { timeoutMs: this.config.REQUEST_TIMEOUT_MS, retries: 1 },
    );
  }
}
