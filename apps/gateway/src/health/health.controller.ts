import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MarshalError } from '@marshal/contracts';
import { ReadModelQueries } from '@marshal/persistence';
import { frameworkHealthCode, serviceHealth, type HealthPlanView } from '@marshal/plan';
import { ProjectionStatus } from '../events/projection-status';
import { ServiceResolver } from '../http/service-resolver';

/**
 * `GET /v1/health[?verbose=true]`: the HTTP status is the service's health code (reference §6.7), the body
 * `{"value": code}` plus the reasons when verbose. With several services and none named, the framework-level health of
 * the multi-service scheduler (§6.9): 417 when a plan has errors, 202 while something deploys, else 200. Verbose
 * answers add `projections`: the log's head and the read models' lag (`GET /v1/admin/projections`).
 */
@Controller(['v1', 'v1/service/:service', 'v1/multi/:service'])
export class HealthController {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly services: ServiceResolver,
    private readonly projections: ProjectionStatus,
  ) {}

  private async views(service: string): Promise<HealthPlanView[]> {
    const views: HealthPlanView[] = [];
    for (const name of await this.queries.planNames(service)) {
      const p = await this.queries.plan(service, name);
      if (!p) continue;
      views.push({
        tree: { name, status: p.status as never, errors: p.errors, phases: p.phases.map((ph) => ({ ...ph, status: ph.status as never, steps: ph.steps.map((s) => ({ ...s, kind: 'deployment' as const, status: s.status as never, tasks: [], errors: [] })) })) },
        // An interrupted plan that is not complete shows WAITING (reference §1.3 rule 3).
        interrupted: p.status === 'WAITING',
      });
    }
    return views;
  }

  @Get('health')
  async health(@Param('service') service: string | undefined, @Query('verbose') verbose: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    let name: string;
    try {
      name = await this.services.resolve(service);
    } catch (e) {
      if (!(e instanceof MarshalError) || e.code !== 'INVALID_ARGUMENT') throw e;
      const all = await this.queries.services();
      const plans: HealthPlanView['tree'][][] = [];
      for (const s of all) plans.push((await this.views(s.name)).map((v) => v.tree));
      void reply.status(frameworkHealthCode(plans)).send({ services: all.map((s) => s.name) });
      return;
    }
    const h = serviceHealth(await this.views(name));
    const verboseOn = (verbose ?? '').toLowerCase() === 'true';
    // Verbose answers also say how far the read models behind this answer are from the log (docs/api.md, health).
    if (!verboseOn) return void reply.status(h.code).send({ value: h.code });
    // 204 and 205 (deploying or recovering, pending) carry no body in HTTP: a verbose answer, whose point is the
    // reasons, then says 200 with the code in `value` and in X-Marshal-Health (docs/compatibility.md).
    const status = h.code === 204 || h.code === 205 ? 200 : h.code;
    void reply
      .status(status)
      .header('x-marshal-health', String(h.code))
      .send({ value: h.code, name: h.name, reasons: h.reasons, projections: await this.projections.status() });
  }
}
