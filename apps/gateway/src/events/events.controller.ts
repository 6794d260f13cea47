import { Controller, Get, Inject, Param, Req } from '@nestjs/common';
import { APP_CONFIG } from '@marshal/runtime';
import type { FastifyRequest } from 'fastify';
import { MarshalError, type HttpResponseOf } from '@marshal/contracts';
import { AuditQueries, ReadModelQueries } from '@marshal/persistence';
import { parseEventQuery } from './event-query';
import { ClientLimits } from '../http/client-limits';
import { ProjectorProgress } from '../http/projector-progress';
import { ServiceResolver } from '../http/service-resolver';

type Query = Record<string, string | string[] | undefined>;

/**
 * The audit log (docs/architecture.md): every event of the log, filtered and paged by sequence cursor, and the causal chain of an
 * event, a command or a correlation. Under `/v1/service/<svc>/…` the service is one more filter.
 */
@Controller(['v1', 'v1/service/:service', 'v1/multi/:service'])
export class EventsController {
  constructor(
    private readonly audit: AuditQueries,
    private readonly queries: ReadModelQueries,
    private readonly progress: ProjectorProgress,
    private readonly services: ServiceResolver,
    private readonly limits: ClientLimits,
    @Inject(APP_CONFIG) private readonly config: { EVENTS_MAX_PAGE: number },
  ) {}

  /**
   * `GET /v1/events?…`: `{ events, cursor, more }`. With `after=<cursor>&wait=<ms>` it is a long poll: when nothing
   * matches yet, it answers as soon as matching events are projected, or empty at the deadline — how
   * `marshal events --follow` follows the log live.
   */
  @Get('events')
  async list(@Param('service') service: string | undefined, @Req() req: FastifyRequest): Promise<HttpResponseOf<'GET /v1/events'>> {
    // Under /v1/service/<svc>/… an unknown service is a 404 like everywhere else.
    if (service) await this.services.resolve(service);
    const { filter, page, waitMs } = parseEventQuery(req.query as Query, service, this.config.EVENTS_MAX_PAGE);
    const deadline = Date.now() + waitMs;
    const found = await this.audit.events(filter, page);
    if (found.events.length > 0 || waitMs <= 0) return found;
    // A long poll holds a connection: one of the client's MAX_LONG_POLLS_PER_TOKEN.
    return this.limits.with('longPoll', req, async () => {
      for (;;) {
        // Sleep until the read models move past what was just searched (or the deadline).
        await this.progress.reach(Math.max(page.after ?? 0, await this.queries.checkpoint()) + 1, deadline - Date.now());
        const next = await this.audit.events(filter, page);
        if (next.events.length > 0 || deadline - Date.now() <= 0) return next;
      }
    });
  }

  /**
   * `GET /v1/events/{id}/chain`: for an event id, the event, what led to it (`causes`) and everything it caused; for a
   * command or correlation id, every event of it and everything they caused.
   */
  @Get('events/:id/chain')
  async chain(@Param('service') service: string | undefined, @Param('id') id: string, @Req() req: FastifyRequest): Promise<HttpResponseOf<'GET /v1/events/{id}/chain'>> {
    if (service) await this.services.resolve(service);
    const data = (req.query as Query)['data'];
    const chain = await this.audit.chain(await this.eventIdOf(id), { data: data !== 'false' });
    if (!chain) throw new MarshalError('NOT_FOUND', `Event ${id} not found`);
    return chain;
  }

  /**
   * An event is also named by its sequence, as `marshal events` lists it (`231` or `#231`): the id of the event at
   * that sequence. Anything else is an id (event, command or correlation) as given.
   */
  private async eventIdOf(id: string): Promise<string> {
    const seq = /^#?(\d{1,15})$/.exec(id.trim())?.[1];
    if (seq === undefined) return id;
    const { events } = await this.audit.events({}, { after: Number(seq) - 1, limit: 1, data: false });
    if (events[0]?.seq !== Number(seq)) throw new MarshalError('NOT_FOUND', `No event at sequence ${seq} (marshal events lists them with their sequences)`);
    return events[0].id;
  }
}
