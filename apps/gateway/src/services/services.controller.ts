import { Body, Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { MarshalError, type CommandReply, type Package } from '@marshal/contracts';
import { ReadModelQueries, type ServiceSummary } from '@marshal/persistence';
import { APP_CONFIG, SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';
import { RequireRole, callerOf } from '../auth/auth.guard';

interface InstallBody {
  name?: string;
  package: Package;
  options?: Record<string, unknown>;
}

function checkInstallBody(body: unknown): InstallBody {
  const problems: { path: string; message: string }[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MarshalError('INVALID_ARGUMENT', 'request body must be a JSON object', [{ path: '/', message: 'not an object' }]);
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!['name', 'package', 'options'].includes(key)) problems.push({ path: `/${key}`, message: `unknown field '${key}'` });
  if (b['name'] !== undefined && (typeof b['name'] !== 'string' || b['name'] === '')) problems.push({ path: '/name', message: 'must be a non-empty string' });
  const pkg = b['package'] as Record<string, unknown> | undefined;
  if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) problems.push({ path: '/package', message: 'required object {name, version, files}' });
  else if (typeof pkg['files'] !== 'object' || pkg['files'] === null) problems.push({ path: '/package/files', message: 'required object of file path → content' });
  if (b['options'] !== undefined && (typeof b['options'] !== 'object' || b['options'] === null || Array.isArray(b['options']))) {
    problems.push({ path: '/options', message: 'must be a JSON object' });
  }
  if (problems.length) throw new MarshalError('INVALID_ARGUMENT', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  return b as unknown as InstallBody;
}

/** Marshal's own service management: list and install (reference has no equivalent; Cosmos did this). */
@Controller('v1/services')
export class ServicesController {
  constructor(
    private readonly queries: ReadModelQueries,
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(APP_CONFIG) private readonly config: { REQUEST_TIMEOUT_MS: number },
  ) {}

  @Get()
  list(): Promise<ServiceSummary[]> {
    return this.queries.services();
  }

  @Post()
  @HttpCode(201)
  @RequireRole('admin')
  async install(@Body() body: unknown, @Req() req: FastifyRequest): Promise<CommandReply<'spec.submit'>> {
    const b = checkInstallBody(body);
    const commandId = randomUUID();
    const pkg: Package = { name: b.package.name || 'package', version: b.package.version || '0.0.0', files: b.package.files };
    const reply = await this.ctx.bus.request(
      'spec.submit',
      {
        meta: { commandId, actor: callerOf(req).actor, correlationId: commandId },
        mode: 'install',
        ...(b.name ? { service: b.name } : {}),
        package: pkg,
        options: b.options ?? {},
        replace: false,
      },
      { timeoutMs: this.config.REQUEST_TIMEOUT_MS },
    );
    if (!reply.accepted) {
      throw new MarshalError('VALIDATION_FAILED', `configuration of ${reply.service} was rejected: ${reply.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, reply.errors);
    }
    return reply;
  }
}
