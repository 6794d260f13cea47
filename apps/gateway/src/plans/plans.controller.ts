import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MarshalError } from '@marshal/contracts';
import { ReadModelQueries, type PlanJson } from '@marshal/persistence';
import { ReadYourWrites } from '../http/read-your-writes';
import { ServiceResolver } from '../http/service-resolver';

/** `GET /v1/plans/{plan}`: 417 when the plan has errors, 200 when complete, else 202 (reference §6.2). */
export function planHttpStatus(plan: PlanJson): number {
  if (plan.status === 'ERROR' || plan.errors.length > 0) return 417;
  return plan.status === 'COMPLETE' ? 200 : 202;
}

@Controller(['v1', 'v1/service/:service', 'v1/multi/:service'])
export class PlansController {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly services: ServiceResolver,
    private readonly ryw: ReadYourWrites,
  ) {}

  @Get('plans')
  async list(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<string[]> {
    await this.ryw.waitFor(this.ryw.requestedSeq(req));
    return this.queries.planNames(await this.services.resolve(service));
  }

  @Get('plans/:plan')
  async get(
    @Param('service') service: string | undefined,
    @Param('plan') plan: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PlanJson> {
    await this.ryw.waitFor(this.ryw.requestedSeq(req));
    const found = await this.queries.plan(await this.services.resolve(service), plan);
    if (!found) throw new MarshalError('NOT_FOUND', `Plan ${plan} not found`);
    void reply.status(planHttpStatus(found));
    return found;
  }

  /** Deprecated alias of `GET /v1/plans/deploy` (reference §6.2). */
  @Get('plan')
  deprecatedDeploy(
    @Param('service') service: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PlanJson> {
    return this.get(service, 'deploy', req, reply);
  }
}
