import { Controller, Get, Param } from '@nestjs/common';
import { MarshalError, type TaskInfo } from '@marshal/contracts';
import { serviceEndpoints, type EndpointView } from '@marshal/offer';
import { ReadModelQueries } from '@marshal/persistence';
import { ServiceResolver } from '../http/service-resolver';

/** `GET /v1/endpoints[/{name}]` (reference §6.5), from the stored tasks' advertised ports. */
@Controller(['v1', 'v1/service/:service', 'v1/multi/:service'])
export class EndpointsController {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly services: ServiceResolver,
  ) {}

  private async endpoints(service: string | undefined): Promise<Map<string, EndpointView>> {
    const tasks = await this.queries.tasks(await this.services.resolve(service));
    return serviceEndpoints(tasks.map((t) => ({ hostname: t.hostname, task: t.taskInfo as TaskInfo })));
  }

  @Get('endpoints')
  async list(@Param('service') service: string | undefined): Promise<string[]> {
    return [...(await this.endpoints(service)).keys()];
  }

  @Get('endpoints/:name')
  async get(@Param('service') service: string | undefined, @Param('name') name: string): Promise<EndpointView> {
    const found = (await this.endpoints(service)).get(name);
    if (!found) throw new MarshalError('NOT_FOUND', `Endpoint ${name} not found`);
    return found;
  }
}
