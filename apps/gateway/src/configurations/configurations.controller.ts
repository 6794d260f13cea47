import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MarshalError, type HttpResponseOf, type ServiceSpec } from '@marshal/contracts';
import { computeDeltas, diffSpecs } from '@marshal/spec';
import { ConfigurationQueries, type StoredConfiguration } from '@marshal/persistence';
import { ReadYourWrites } from '../http/read-your-writes';
import { ServiceResolver } from '../http/service-resolver';
import { assertConfigId, configurationJson, findTemplate } from './configuration-documents';

/** Configurations and config-template artifacts of a service (reference §6.4). */
@Controller(['v1', 'v1/service/:service', 'v1/multi/:service'])
export class ConfigurationsController {
  constructor(
    private readonly configurations: ConfigurationQueries,
    private readonly services: ServiceResolver,
    private readonly ryw: ReadYourWrites,
  ) {}

  private async service(fromPath: string | undefined, req: FastifyRequest): Promise<string> {
    await this.ryw.waitFor(this.ryw.requestedSeq(req), req);
    return this.services.resolve(fromPath);
  }

  private async byId(service: string, id: string): Promise<StoredConfiguration> {
    assertConfigId(id);
    const found = await this.configurations.byId(service, id);
    if (!found) throw new MarshalError('NOT_FOUND', `Configuration ${id} not found`);
    return found;
  }

  private async target(service: string): Promise<StoredConfiguration> {
    const found = await this.configurations.target(service);
    if (!found) throw new MarshalError('NOT_FOUND', `Service ${service} has no target configuration`);
    return found;
  }

  /** Ids of the service's configurations, oldest first. */
  @Get('configurations')
  async list(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<string[]> {
    return this.configurations.ids(await this.service(service, req));
  }

  @Get('configurations/targetId')
  async targetId(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<string[]> {
    return [(await this.target(await this.service(service, req))).id];
  }

  @Get('configurations/target')
  async targetConfig(
    @Param('service') service: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const config = await this.target(await this.service(service, req));
    void reply.type('application/json; charset=utf-8');
    return configurationJson(config.spec);
  }

  /**
   * What moving to configuration `id` did (or would do) per pod instance: typed deltas and the spec diff against
   * `?from=<id>`, by default the configuration accepted just before it (none for the first: every pod is CREATE).
   */
  @Get('configurations/:id/diff')
  async diff(
    @Param('service') service: string | undefined,
    @Param('id') id: string,
    @Query('from') from: string | undefined,
    @Req() req: FastifyRequest,
  ): Promise<HttpResponseOf<'GET /v1/configurations/{id}/diff'>> {
    const name = await this.service(service, req);
    if (Array.isArray(from)) throw new MarshalError('INVALID_ARGUMENT', 'from may be given once', [{ path: 'from', message: 'given more than once' }]);
    const to = await this.byId(name, id);
    let fromId: string | null;
    if (from !== undefined) fromId = from;
    else {
      const ids = await this.configurations.ids(name);
      const i = ids.indexOf(id);
      fromId = i > 0 ? ids[i - 1] : null;
    }
    const before = fromId === null ? null : await this.byId(name, fromId);
    const beforeSpec = (before?.spec ?? null) as ServiceSpec | null;
    return {
      from: fromId,
      to: id,
      diff: diffSpecs(beforeSpec, to.spec as ServiceSpec),
      deltas: computeDeltas({ spec: beforeSpec, configId: fromId }, { spec: to.spec as ServiceSpec, configId: id }),
    };
  }

  @Get('configurations/:id')
  async config(
    @Param('service') service: string | undefined,
    @Param('id') id: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const config = await this.byId(await this.service(service, req), id);
    void reply.type('application/json; charset=utf-8');
    return configurationJson(config.spec);
  }

  @Get('artifacts/template/:configId/:podType/:taskName/:configName')
  async template(
    @Param('service') service: string | undefined,
    @Param('configId') configId: string,
    @Param('podType') podType: string,
    @Param('taskName') taskName: string,
    @Param('configName') configName: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const config = await this.byId(await this.service(service, req), configId);
    const template = findTemplate(config.spec as ServiceSpec, podType, taskName, configName);
    void reply.type('text/plain; charset=utf-8');
    return template;
  }
}
