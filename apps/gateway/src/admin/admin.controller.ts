import { Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { HttpResponseOf } from '@marshal/contracts';
import { APP_CONFIG, SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';
import { RequireRole, callerOf } from '../auth/auth.guard';
import { NoBody } from '../http/request-body';
import { ProjectionStatus } from '../events/projection-status';

/** Administration of the read models (docs/architecture.md): their state, and a rebuild without downtime. */
@Controller('v1/admin')
export class AdminController {
  constructor(
    private readonly status: ProjectionStatus,
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(APP_CONFIG) private readonly config: { REQUEST_TIMEOUT_MS: number },
  ) {}

  /** `GET /v1/admin/projections`: the log's head, and each generation's checkpoint and lag. */
  @Get('projections')
  projections(): Promise<HttpResponseOf<'GET /v1/admin/projections'>> {
    return this.status.status();
  }

  /**
   * `POST /v1/admin/rebuild-projections` (admin): rebuilds every read model from sequence 1 into a new generation while
   * the current one keeps serving, then switches. 202 with the generation; asking again while it runs returns it.
   */
  @Post('rebuild-projections')
  @HttpCode(202)
  @RequireRole('admin')
  @NoBody()
  async rebuild(@Req() req: FastifyRequest): Promise<HttpResponseOf<'POST /v1/admin/rebuild-projections'>> {
    const commandId = randomUUID();
    return this.ctx.bus.request(
      'projector.rebuild',
      { meta: { commandId, actor: callerOf(req).actor, correlationId: commandId } },
      { timeoutMs: this.config.REQUEST_TIMEOUT_MS },
    );
  }
}
