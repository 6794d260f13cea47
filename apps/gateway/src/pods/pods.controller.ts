import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { MarshalError, type PodAction } from '@marshal/contracts';
import { ReadModelQueries } from '@marshal/persistence';
import { APP_CONFIG, SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';
import { callerOf } from '../auth/auth.guard';
import { JsonBody, NoBody } from '../http/request-body';
import { ReadYourWrites } from '../http/read-your-writes';
import { ServiceResolver } from '../http/service-resolver';
import { POD_INFO_VIEWS, podInfo, podNames, podStatus, servicePods, type PodInfoView, type PodInstanceJson, type ServicePodsJson } from './pod-views';

/** The body of pause and resume: empty, or a JSON array of task names, short (`server`) or full (`hello-0-server`). */
export const TaskList = Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 100, description: 'task names, short (server) or full (hello-0-server)' });

/** Pods of a service (reference §6.3): discovered from stored tasks; commands go to plan-manager. */
@Controller(['v1', 'v1/service/:service', 'v1/multi/:service'])
export class PodsController {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly services: ServiceResolver,
    private readonly ryw: ReadYourWrites,
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(APP_CONFIG) private readonly config: { REQUEST_TIMEOUT_MS: number },
  ) {}

  private async tasks(service: string | undefined, req: FastifyRequest): Promise<{ name: string; tasks: Awaited<ReturnType<ReadModelQueries['podTasks']>> }> {
    await this.ryw.waitFor(this.ryw.requestedSeq(req), req);
    const name = await this.services.resolve(service);
    return { name, tasks: await this.queries.podTasks(name) };
  }

  @Get('pod')
  async list(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<string[]> {
    return podNames((await this.tasks(service, req)).tasks);
  }

  @Get('pod/status')
  async statusAll(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<ServicePodsJson> {
    const { name, tasks } = await this.tasks(service, req);
    return servicePods(name, tasks);
  }

  @Get('pod/:pod/status')
  async status(@Param('service') service: string | undefined, @Param('pod') pod: string, @Req() req: FastifyRequest): Promise<PodInstanceJson> {
    const found = podStatus((await this.tasks(service, req)).tasks, pod);
    if (!found) throw new MarshalError('NOT_FOUND', `Pod ${pod} not found`);
    return found;
  }

  /** The original's Mesos TaskInfo/TaskStatus JSON, or with `?view=marshal` Marshal's TaskInfo (reference §6.3). */
  @Get('pod/:pod/info')
  async info(@Param('service') service: string | undefined, @Param('pod') pod: string, @Query('view') view: string | undefined, @Req() req: FastifyRequest): Promise<unknown[]> {
    if (view !== undefined && !(POD_INFO_VIEWS as readonly string[]).includes(view)) {
      throw new MarshalError('INVALID_ARGUMENT', `query parameter view: '${view}' is not one of ${POD_INFO_VIEWS.join(', ')}`);
    }
    const found = podInfo((await this.tasks(service, req)).tasks, pod, (view ?? 'sdk') as PodInfoView);
    if (!found) throw new MarshalError('NOT_FOUND', `Pod ${pod} not found`);
    return found;
  }

  private async command(service: string | undefined, pod: string, action: PodAction, req: FastifyRequest, reply: FastifyReply, tasks?: string[]): Promise<{ pod: string; tasks: string[] }> {
    const name = await this.services.resolve(service);
    const commandId = randomUUID();
    const r = await this.ctx.bus.request(
      'pod.command',
      { meta: { commandId, actor: callerOf(req).actor, correlationId: commandId }, service: name, pod, action, ...(tasks ? { tasks } : {}) },
      { timeoutMs: this.config.REQUEST_TIMEOUT_MS, retries: 0 },
    );
    // The command's id names its causal chain (`marshal events chain <id>`).
    void reply.header('x-marshal-seq', String(r.seq)).header('x-marshal-command', commandId);
    return { pod: r.pod, tasks: r.tasks };
  }

  @Post('pod/:pod/restart')
  @HttpCode(200)
  @NoBody()
  restart(@Param('service') service: string | undefined, @Param('pod') pod: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.command(service, pod, 'restart', req, reply);
  }

  @Post('pod/:pod/replace')
  @HttpCode(200)
  @NoBody()
  replace(@Param('service') service: string | undefined, @Param('pod') pod: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.command(service, pod, 'replace', req, reply);
  }

  @Post('pod/:pod/pause')
  @HttpCode(200)
  @ApiBody({ schema: TaskList, required: false })
  pause(
    @Param('service') service: string | undefined,
    @Param('pod') pod: string,
    @JsonBody({ schema: TaskList, optional: true }) tasks: string[] | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.command(service, pod, 'pause', req, reply, tasks);
  }

  @Post('pod/:pod/resume')
  @HttpCode(200)
  @ApiBody({ schema: TaskList, required: false })
  resume(
    @Param('service') service: string | undefined,
    @Param('pod') pod: string,
    @JsonBody({ schema: TaskList, optional: true }) tasks: string[] | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.command(service, pod, 'resume', req, reply, tasks);
  }
}
