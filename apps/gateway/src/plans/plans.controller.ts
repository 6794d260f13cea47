import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { negotiate } from '@fastify/accept-negotiator';
import { MarshalError, type HttpBodyOf, type HttpResponseOf, type PlanAction } from '@marshal/contracts';
import { ReadModelQueries, TimeTravel, parsePointInTime } from '@marshal/persistence';
import { parameterNameProblem } from '@marshal/plan';
import { APP_CONFIG, SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';
import { callerOf } from '../auth/auth.guard';
import { asPlainText } from '../http/http-errors';
import { ClientLimits } from '../http/client-limits';
import { ReadModelCache } from '../http/read-model-cache';
import { NoBody } from '../http/request-body';
import { ReadYourWrites } from '../http/read-your-writes';
import { ServiceResolver } from '../http/service-resolver';
import { PlanViews, planHttpStatus } from './plan-views';
import { ParkedView } from '../admin/parked-view';

export { planHttpStatus } from './plan-views';

/** Limits of `start` parameters: they become environment variables of the plan's tasks. */
export const MAX_PARAMETERS = 100;
export const MAX_PARAMETER_NAME = 255;
export const MAX_PARAMETER_VALUE = 16 * 1024;
/** Plans smaller than this (about one packet with its headers, Akamai's threshold) are sent as they are. */
const GZIP_MIN_BYTES = 860;

/**
 * The body of `POST /v1/plans/{plan}/start`: a JSON object of strings (reference §6.2); none is `{}`. Key names follow
 * the plan lib's rule (`parameterNameProblem`: an environment variable name, never a loader variable such as
 * `LD_PRELOAD`), checked here so a refused request sends nothing, and again by plan-manager for any other sender.
 */
export function startParameters(body: unknown): HttpBodyOf<'POST /v1/plans/{plan}/start'> {
  if (body === undefined || body === null || body === '') return {};
  const fail = (why: string): never => {
    throw asPlainText(new MarshalError('INVALID_ARGUMENT', `Couldn't parse parameters: ${why}`));
  };
  if (typeof body !== 'object' || Array.isArray(body)) fail('the body must be a JSON object of strings, e.g. {"KEY": "value"}');
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length > MAX_PARAMETERS) fail(`at most ${MAX_PARAMETERS} parameters, got ${entries.length}`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') fail(`the value of ${k} is not a string`);
    else if (k.length > MAX_PARAMETER_NAME) fail(`the name ${k.slice(0, 40)}… is longer than ${MAX_PARAMETER_NAME} characters`);
    else if (v.length > MAX_PARAMETER_VALUE) fail(`the value of ${k} is longer than ${MAX_PARAMETER_VALUE} characters`);
    const problem = parameterNameProblem(k);
    if (problem !== undefined) fail(problem);
  }
  return body as Record<string, string>;
}

/** Plan queries and operator commands (reference §6.2), on the default service or `/v1/service/<name>/…`. */
@Controller(['v1', 'v1/service/:service', 'v1/multi/:service'])
export class PlansController {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly services: ServiceResolver,
    private readonly ryw: ReadYourWrites,
    private readonly views: PlanViews,
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(APP_CONFIG) private readonly config: { REQUEST_TIMEOUT_MS: number },
    private readonly timeTravel: TimeTravel,
    private readonly parked: ParkedView,
    private readonly limits: ClientLimits,
  ) {}

  @Get('plans')
  async list(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<HttpResponseOf<'GET /v1/plans'>> {
    await this.ryw.waitFor(this.ryw.requestedSeq(req), req);
    // An uninstalled service's final plans stay readable for a while (FINISHED_SERVICE_RETENTION_S, reference §3.6).
    return this.queries.planNames(await this.services.resolveWithFinished(service));
  }

  @Get('plans/:plan')
  async get(
    @Param('service') service: string | undefined,
    @Param('plan') plan: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | HttpResponseOf<'GET /v1/plans/{plan}'>> {
    await this.ryw.waitFor(this.ryw.requestedSeq(req), req);
    const at = (req.query as Record<string, string | undefined>)['at'];
    if (at !== undefined) {
      // Time travel (docs/architecture.md): the plan as it stood at a sequence or time, computed from the log.
      const point = parsePointInTime(at);
      // The whole read counts against the caller's bound, from its first query on.
      const then = await this.limits.timeTravel(req, async () => {
        if ('seq' in point) await this.ryw.waitFor(point.seq, req);
        return this.timeTravel.plan(await this.services.resolve(service), plan, point);
      });
      if (!then) throw new MarshalError('NOT_FOUND', `Plan ${plan} not found at ${at}`);
      void reply.status(planHttpStatus(then.plan)).header('x-marshal-seq', String(then.seq));
      return then.plan;
    }
    const name = await this.services.resolveWithFinished(service);
    const found = await this.views.plan(name, plan, ReadModelCache.bypass(req));
    if (!found) throw new MarshalError('NOT_FOUND', `Plan ${plan} not found`);
    // A service a fold holds suspect (it parked one of its events) shows why in every plan, with 417 like any error.
    const suspect = this.parked.suspectErrors(name);
    if (suspect.length > 0) {
      const body = JSON.parse(found.body.toString('utf8')) as HttpResponseOf<'GET /v1/plans/{plan}'>;
      void reply.status(417);
      return { ...body, errors: [...body.errors, ...suspect] };
    }
    void reply.status(found.status).type('application/json; charset=utf-8').header('vary', 'accept-encoding');
    // A large plan is kept gzipped next to its JSON: clients that accept gzip (curl --compressed, Python requests, Go,
    // browsers) get a tenth of the bytes without the gateway compressing per request.
    if (found.body.length >= GZIP_MIN_BYTES && negotiate((req.headers['accept-encoding'] ?? '').toLowerCase(), ['gzip', 'identity']) === 'gzip') {
      void reply.header('content-encoding', 'gzip');
      return found.gzipped();
    }
    return found.body;
  }

  /** Deprecated alias of `GET /v1/plans/deploy` (reference §6.2). */
  @Get('plan')
  deprecatedDeploy(
    @Param('service') service: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | HttpResponseOf<'GET /v1/plans/{plan}'>> {
    return this.get(service, 'deploy', req, reply);
  }

  /**
   * Sends an operator command to plan-manager. The reply is the original's `{"message": "Received cmd: …"}`; the log
   * sequence it produced travels in `X-Marshal-Seq`, for a read of one's own write.
   */
  private async command(
    service: string | undefined,
    plan: string,
    action: PlanAction,
    req: FastifyRequest,
    reply: FastifyReply,
    target: { phase?: string; step?: string; parameters?: Record<string, string> } = {},
  ): Promise<HttpResponseOf<'POST /v1/plans/{plan}/start'>> {
    const name = await this.services.resolve(service);
    const commandId = randomUUID();
    try {
      const r = await this.ctx.bus.request(
        'plan.command',
        {
          meta: { commandId, actor: callerOf(req).actor, correlationId: commandId },
          service: name,
          plan,
          action,
          ...(target.phase ? { phase: target.phase } : {}),
          ...(target.step ? { step: target.step } : {}),
          ...(target.parameters ? { parameters: target.parameters } : {}),
        },
        { timeoutMs: this.config.REQUEST_TIMEOUT_MS, retries: 0 },
      );
      // The command's id names its causal chain (`marshal events chain <id>`).
      void reply.header('x-marshal-seq', String(r.seq)).header('x-marshal-command', commandId);
      return { message: r.message };
    } catch (e) {
      // The original answers its 400s (bad parameter names, a step without its phase) in plain text.
      throw e instanceof MarshalError && e.code === 'INVALID_ARGUMENT' ? asPlainText(e) : e;
    }
  }

  @Post('plans/:plan/start')
  @HttpCode(200)
  start(@Param('service') service: string | undefined, @Param('plan') plan: string, @Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.command(service, plan, 'start', req, reply, { parameters: startParameters(body) });
  }

  @Post('plans/:plan/stop')
  @HttpCode(200)
  @NoBody()
  stop(@Param('service') service: string | undefined, @Param('plan') plan: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.command(service, plan, 'stop', req, reply);
  }

  @Post('plans/:plan/continue')
  @HttpCode(200)
  @NoBody()
  continue(@Param('service') service: string | undefined, @Param('plan') plan: string, @Query('phase') phase: string | undefined, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.command(service, plan, 'continue', req, reply, { phase });
  }

  @Post('plans/:plan/interrupt')
  @HttpCode(200)
  @NoBody()
  interrupt(@Param('service') service: string | undefined, @Param('plan') plan: string, @Query('phase') phase: string | undefined, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.command(service, plan, 'interrupt', req, reply, { phase });
  }

  @Post('plans/:plan/forceComplete')
  @HttpCode(200)
  @NoBody()
  forceComplete(
    @Param('service') service: string | undefined,
    @Param('plan') plan: string,
    @Query('phase') phase: string | undefined,
    @Query('step') step: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.command(service, plan, 'forceComplete', req, reply, { phase, step });
  }

  @Post('plans/:plan/restart')
  @HttpCode(200)
  @NoBody()
  restart(
    @Param('service') service: string | undefined,
    @Param('plan') plan: string,
    @Query('phase') phase: string | undefined,
    @Query('step') step: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.command(service, plan, 'restart', req, reply, { phase, step });
  }

  /** Skip one step (other-systems §1a.7): passed over and shown SKIPPED; only a pending, waiting, delayed or failed step. */
  @Post('plans/:plan/skip')
  @HttpCode(200)
  @NoBody()
  skip(
    @Param('service') service: string | undefined,
    @Param('plan') plan: string,
    @Query('phase') phase: string | undefined,
    @Query('step') step: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.command(service, plan, 'skip', req, reply, { phase, step });
  }

  /** Deprecated `/v1/plan/*` (reference §6.2): the same commands on `deploy`; continue and interrupt plan-level only. */
  @Post('plan/continue')
  @HttpCode(200)
  @NoBody()
  deprecatedContinue(@Param('service') service: string | undefined, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.command(service, 'deploy', 'continue', req, reply);
  }

  @Post('plan/interrupt')
  @HttpCode(200)
  @NoBody()
  deprecatedInterrupt(@Param('service') service: string | undefined, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.command(service, 'deploy', 'interrupt', req, reply);
  }

  @Post('plan/forceComplete')
  @HttpCode(200)
  @NoBody()
  deprecatedForceComplete(
    @Param('service') service: string | undefined,
    @Query('phase') phase: string | undefined,
    @Query('step') step: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.command(service, 'deploy', 'forceComplete', req, reply, { phase, step });
  }

  @Post('plan/restart')
  @HttpCode(200)
  @NoBody()
  deprecatedRestart(
    @Param('service') service: string | undefined,
    @Query('phase') phase: string | undefined,
    @Query('step') step: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.command(service, 'deploy', 'restart', req, reply, { phase, step });
  }
}
