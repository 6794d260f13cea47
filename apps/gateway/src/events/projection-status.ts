import { Inject, Injectable } from '@nestjs/common';
import type { ProjectionsStatus } from '@marshal/contracts';
import { ReadModelQueries } from '@marshal/persistence';
import { SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';

/**
 * How far the read models are behind the log. Exported by EventsModule for `GET /v1/admin/projections` and for the
 * health endpoint's details.
 */
@Injectable()
export class ProjectionStatus {
  constructor(
    private readonly queries: ReadModelQueries,
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
  ) {}

  async status(): Promise<ProjectionsStatus> {
    const [head, generations] = await Promise.all([this.ctx.store.headSeq(), this.queries.generations()]);
    const active = generations.find((g) => g.state === 'active');
    return {
      head,
      lag: Math.max(0, head - (active?.checkpoint ?? 0)),
      generations: generations.map((g) => ({ ...g, lag: Math.max(0, head - g.checkpoint) })),
    };
  }
}
