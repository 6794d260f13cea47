import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { InstallBody, MarshalError, UpdateBody, type CommandReply, type CommandRequest, type HttpResponseOf, type Package } from '@marshal/contracts';
import { ConfigurationQueries, ReadModelQueries } from '@marshal/persistence';
import { APP_CONFIG, SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';
import { RequireRole, callerOf } from '../auth/auth.guard';
import { NoBody } from '../http/request-body';
import { ReadYourWrites } from '../http/read-your-writes';
import { checkBody } from './request-bodies';

/** Room left in a NATS message for its headers next to the JSON of a command. */
const HEADER_ALLOWANCE = 4 * 1024;

function toPackage(p: { name?: string; version?: string; files: Record<string, string> }): Package {
  return { name: p.name ?? 'package', version: p.version ?? '0.0.0', files: p.files };
}

function rejection(reply: CommandReply<'spec.submit'>): MarshalError {
  // The errors travel once, as details (`path: message` each); repeating them in the message printed them twice.
  return new MarshalError('VALIDATION_FAILED', `configuration of ${reply.service || 'the service'} was rejected (${reply.errors.length} error${reply.errors.length === 1 ? '' : 's'}):`, reply.errors);
}

/**
 * Marshal's own service management: list, install, describe, update (the original left these to Cosmos,
 * reference §7.6). Install and update go to spec-renderer as `spec.submit`.
 */
@Controller('v1/services')
export class ServicesController {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly configurations: ConfigurationQueries,
    private readonly ryw: ReadYourWrites,
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(APP_CONFIG) private readonly config: { REQUEST_TIMEOUT_MS: number },
  ) {}

  private async submit(request: CommandRequest<'spec.submit'>): Promise<CommandReply<'spec.submit'>> {
    // A command must fit one NATS message; say so plainly instead of failing inside the client library.
    const max = (this.ctx.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ALLOWANCE;
    const bytes = Buffer.byteLength(JSON.stringify(request));
    if (bytes > max) {
      throw new MarshalError('INVALID_ARGUMENT', `the package and options take ${bytes} bytes; a request may take at most ${max}`, [
        { path: '/package', message: `package and options are ${bytes} bytes, over the limit of ${max}` },
      ]);
    }
    return this.ctx.bus.request('spec.submit', request, { timeoutMs: this.config.REQUEST_TIMEOUT_MS });
  }

  @Get()
  list(): Promise<HttpResponseOf<'GET /v1/services'>> {
    return this.queries.services();
  }

  @Post()
  @HttpCode(201)
  @RequireRole('admin')
  async install(@Body() body: unknown, @Req() req: FastifyRequest): Promise<HttpResponseOf<'POST /v1/services'>> {
    const b = checkBody(InstallBody, body, 'an install');
    const commandId = randomUUID();
    const reply = await this.submit({
      meta: { commandId, actor: callerOf(req).actor, correlationId: commandId },
      mode: 'install',
      ...(b.name ? { service: b.name } : {}),
      package: toPackage(b.package),
      options: b.options ?? {},
      replace: false,
    });
    if (!reply.accepted) throw rejection(reply);
    return reply;
  }

  /** Describe (Cosmos `describe`, reference §7.6): package, resolved options, target, last rejection. */
  @Get(':name')
  async describe(@Param('name') name: string, @Req() req: FastifyRequest): Promise<HttpResponseOf<'GET /v1/services/{name}'>> {
    await this.ryw.waitFor(this.ryw.requestedSeq(req), req);
    const found = await this.configurations.describe(name);
    if (!found) throw new MarshalError('NOT_FOUND', `Service ${name} not found`);
    return found;
  }

  /**
   * Update (Cosmos `update`, reference §7.6): options merged over the stored ones (or replacing them), optionally a
   * new package. Answers the diff and the log sequence; a rejection answers 400 with every error and keeps the
   * target.
   */
  @Put(':name')
  @RequireRole('admin')
  async update(@Param('name') name: string, @Body() body: unknown, @Req() req: FastifyRequest): Promise<HttpResponseOf<'PUT /v1/services/{name}'>> {
    const b = checkBody(UpdateBody, body, 'an update');
    const commandId = randomUUID();
    const reply = await this.submit({
      meta: { commandId, actor: callerOf(req).actor, correlationId: commandId },
      mode: 'update',
      service: name,
      ...(b.package ? { package: toPackage(b.package) } : {}),
      options: b.options ?? {},
      replace: b.replace ?? false,
    });
    if (!reply.accepted) throw rejection(reply);
    return reply;
  }

  /**
   * Dry run of an update: the same body as `PUT`, rendered and validated against the current target by spec-renderer,
   * answered with the diff and the typed deltas per pod instance. Appends nothing; an invalid configuration is
   * answered 200 with `valid: false` and its errors, as the preview it is.
   */
  @Post(':name/dry-run')
  @HttpCode(200)
  @RequireRole('admin')
  async dryRun(@Param('name') name: string, @Body() body: unknown, @Req() req: FastifyRequest): Promise<HttpResponseOf<'POST /v1/services/{name}/dry-run'>> {
    const b = checkBody(UpdateBody, body, 'an update dry run');
    const commandId = randomUUID();
    const request: CommandRequest<'spec.render'> = {
      meta: { commandId, actor: callerOf(req).actor, correlationId: commandId },
      service: name,
      ...(b.package ? { package: toPackage(b.package) } : {}),
      options: b.options ?? {},
      replace: b.replace ?? false,
    };
    const max = (this.ctx.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ALLOWANCE;
    const bytes = Buffer.byteLength(JSON.stringify(request));
    if (bytes > max) {
      throw new MarshalError('INVALID_ARGUMENT', `the package and options take ${bytes} bytes; a request may take at most ${max}`, [
        { path: '/package', message: `package and options are ${bytes} bytes, over the limit of ${max}` },
      ]);
    }
    return this.ctx.bus.request('spec.render', request, { timeoutMs: this.config.REQUEST_TIMEOUT_MS });
  }

  /**
   * Uninstall (reference §3.6): plan-manager replaces the service's plans by the uninstall plan, named `deploy`, which
   * kills its tasks and releases its reservations; when it completes the service is removed. Answers at once (202)
   * with the log sequence; watch `GET /v1/service/<name>/plans/deploy` until it answers 404. Asking again while it
   * runs is answered the same way.
   */
  @Delete(':name')
  @HttpCode(202)
  @RequireRole('admin')
  @NoBody()
  async uninstall(@Param('name') name: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<HttpResponseOf<'DELETE /v1/services/{name}'>> {
    const commandId = randomUUID();
    const r = await this.ctx.bus.request(
      'service.uninstall',
      { meta: { commandId, actor: callerOf(req).actor, correlationId: commandId }, service: name },
      { timeoutMs: this.config.REQUEST_TIMEOUT_MS },
    );
    // The command's id names its causal chain (`marshal events chain <id>`).
    void reply.header('x-marshal-seq', String(r.seq)).header('x-marshal-command', commandId);
    return { message: `Received cmd: uninstall ${name}`, service: r.service, seq: r.seq };
  }
}
