import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MarshalError, type ServiceSpec } from '@marshal/contracts';
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
