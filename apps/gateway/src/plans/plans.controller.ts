import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MarshalError } from '@marshal/contracts';
import { ReadModelQueries, TimeTravel, parsePointInTime, type PlanJson } from '@marshal/persistence';
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
    private readonly timeTravel: TimeTravel,
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
    const at = (req.query as Record<string, string | undefined>)['at'];
    if (at !== undefined) {
      // Time travel (issue 6): the plan as it stood at a sequence or time, computed from the log.
      const point = parsePointInTime(at);
      if ('seq' in point) await this.ryw.waitFor(point.seq);
      const then = await this.timeTravel.plan(await this.services.resolve(service), plan, point);
      if (!then) throw new MarshalError('NOT_FOUND', `Plan ${plan} not found at ${at}`);
      void reply.status(planHttpStatus(then.plan)).header('x-marshal-seq', String(then.seq));
      return then.plan;
    }
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
