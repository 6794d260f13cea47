import { EVENT_LIST_FILTERS, type AuditEvent, type EventChain, type EventFilter } from '@marshal/contracts';
import { CliError } from '../client';
import { formatChain, formatEvent } from '../format/event-log';
import type { Cli } from '../main';

/** The flags: the filters of `GET /v1/events` (`--correlation`, `--causation` for its `correlationId`, `causationId`), and paging. */
type EventsOptions = Omit<EventFilter, 'correlationId' | 'causationId'> & {
  correlation?: string[];
  causation?: string[];
  after?: string;
  limit?: string;
  tail?: string;
  follow?: boolean;
  json?: boolean;
};

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
/** Long-poll window of `--follow`: the gateway answers as soon as events arrive, or empty after this. */
const FOLLOW_WAIT_MS = 25_000;

function queryOf(o: EventsOptions, service: string | undefined): URLSearchParams {
  const q = new URLSearchParams();
  const filter: EventFilter = { ...o, service: o.service ?? (service ? [service] : undefined), correlationId: o.correlation, causationId: o.causation };
  for (const name of EVENT_LIST_FILTERS) for (const v of filter[name] ?? []) q.append(name, v);
  if (o.since) q.set('since', o.since);
  if (o.until) q.set('until', o.until);
  return q;
}

export function registerEvents(cli: Cli): void {
  const events = cli.program
    .command('events')
    .description('Show the audit log: every event, filtered, as a readable log; --follow keeps printing new ones')
    .option('--service <name>', 'only this service (repeatable; default: --name)', collect)
    .option('--plan <name>', 'only events about this plan (repeatable)', collect)
    .option('--phase <id|name>', 'only this phase (repeatable)', collect)
    .option('--step <id|name>', 'only this step (repeatable)', collect)
    .option('--pod <pod-index>', 'only this pod instance, e.g. hello-0 (repeatable)', collect)
    .option('--task <name|id>', 'only this task (repeatable)', collect)
    .option('--agent <id>', 'only this agent (repeatable)', collect)
    .option('--type <type>', 'only these event types (repeatable, or comma-separated)', collect)
    .option('--actor <actor>', 'only events recorded with this actor, e.g. admin:alice (repeatable)', collect)
    .option('--correlation <id>', 'only this correlation id (repeatable)', collect)
    .option('--causation <id>', 'only events directly caused by this id (repeatable)', collect)
    .option('--since <time>', 'only events at or after this ISO-8601 time')
    .option('--until <time>', 'only events at or before this ISO-8601 time')
    .option('--after <seq>', 'only events after this log sequence (a cursor)')
    .option('--limit <n>', 'at most this many events after --after')
    .option('--tail <n>', 'the last n matching events (default 50 unless --after is given)')
    .option('-f, --follow', 'keep printing new events as they are logged (Ctrl-C to stop)')
    .option('--json', 'one JSON object per line')
    .action(async (o: EventsOptions) => {
      const client = cli.client();
      const base = queryOf(o, cli.globals().name);
      const print = (list: AuditEvent[]): void => {
        for (const e of list) cli.out((o.json ? JSON.stringify(e) : formatEvent(e)) + '\n');
      };
      const first = new URLSearchParams(base);
      if (o.after !== undefined) first.set('after', o.after);
      if (o.limit !== undefined) first.set('limit', o.limit);
      if (o.tail !== undefined || (o.after === undefined && o.limit === undefined)) first.set('tail', o.tail ?? '50');
      const page = (await client.route('GET /v1/events', `v1/events?${first}`)).reply();
      print(page.events);
      let cursor = page.cursor || Number(o.after ?? 0);
      if (page.events.length === 0 && o.after === undefined) {
        // Nothing matched yet: follow from where the log is now.
        const latest = (await client.route('GET /v1/events', `v1/events?tail=1&data=false`)).reply();
        cursor = latest.cursor;
      }
      if (!o.follow) {
        if (page.more && !o.json) cli.out(`… more after ${page.cursor}: marshal events --after ${page.cursor}\n`);
        return;
      }
      for (;;) {
        const next = new URLSearchParams(base);
        next.set('after', String(cursor));
        next.set('limit', '500');
        next.set('wait', String(FOLLOW_WAIT_MS));
        const got = (await client.route('GET /v1/events', `v1/events?${next}`)).reply();
        print(got.events);
        cursor = got.cursor;
      }
    });

  events
    .command('chain')
    .description('Show the causal chain of an event, a command or a correlation id: what it caused, and what caused it')
    .argument('<id>', 'event id or sequence (231 or #231, as `marshal events` lists it), command id or correlation id')
    .option('--json', 'print the chain JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      // `events` has its own --json, which commander gives to the parent command.
      const json = o.json || events.opts<EventsOptions>().json;
      const res = await cli.client().route('GET /v1/events/{id}/chain', `v1/events/${encodeURIComponent(id)}/chain`);
      let body: EventChain;
      try {
        body = res.reply();
      } catch {
        throw new CliError(`The gateway answered with something that is not JSON:\n${res.body}`);
      }
      cli.out(json ? JSON.stringify(body, null, 2) + '\n' : formatChain(body));
    });
}
