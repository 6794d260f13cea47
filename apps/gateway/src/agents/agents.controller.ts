import { Controller, Get } from '@nestjs/common';
import type { HttpResponseOf } from '@marshal/contracts';
import { ReadModelQueries } from '@marshal/persistence';

/** `GET /v1/agents`: every registered agent, its resources, attributes, whether it is lost, and its reservations. */
@Controller('v1/agents')
export class AgentsController {
  constructor(private readonly queries: ReadModelQueries) {}

  @Get()
  list(): Promise<HttpResponseOf<'GET /v1/agents'>> {
    return this.queries.agents();
  }
}
