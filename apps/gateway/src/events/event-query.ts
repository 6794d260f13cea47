import { EVENT_LIST_FILTERS, MarshalError, type EventListFilter } from '@marshal/contracts';
import { MAX_PAGE, type EventFilter, type EventPage } from '@marshal/persistence';

/** Longest a `GET /v1/events?wait=` holds the request open for new events. */
export const MAX_WAIT_MS = 30_000;

export interface EventQuery {
  filter: EventFilter;
  page: EventPage;
  /** Long poll: when nothing matches after the cursor, wait up to this long for new events. */
  waitMs: number;
}

type Raw = Record<string, string | string[] | undefined>;

/** Query parameter → filter; names may repeat (`type=A&type=B`); `type` also takes a comma-separated list. */
const LIST_PARAMS: Record<string, EventListFilter> = {
  ...(Object.fromEntries(EVENT_LIST_FILTERS.map((f) => [f, f])) as Record<EventListFilter, EventListFilter>),
  correlation: 'correlationId',
  causation: 'causationId',
};
const OTHER_PARAMS = ['since', 'until', 'after', 'limit', 'tail', 'data', 'wait'];

function bad(param: string, message: string): MarshalError {
  return new MarshalError('INVALID_ARGUMENT', `${param}: ${message}`, [{ path: param, message }]);
}

function one(raw: Raw, param: string): string | undefined {
  const v = raw[param];
  if (Array.isArray(v)) throw bad(param, 'may be given once');
  return v === undefined || v === '' ? undefined : v;
}

function integer(raw: Raw, param: string, min: number, max: number): number | undefined {
  const v = one(raw, param);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw bad(param, `must be an integer from ${min} to ${max}, got '${v}'`);
  return Number(v);
}

function time(raw: Raw, param: string): string | undefined {
  const v = one(raw, param);
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(Date.parse(v))) throw bad(param, `must be an ISO-8601 time (e.g. 2026-11-22T10:00:00Z), got '${v}'`);
  return new Date(Date.parse(v)).toISOString();
}

/**
 * Reads the query of `GET /v1/events`: filters (service, plan, phase, step, pod, task, agent, type, actor,
 * correlationId, causationId, since, until), the cursor (`after`, `limit` or `tail`), `data=false` and `wait`.
 * Unknown parameters are refused by name. A `:service` in the path is one more service filter.
 */
export function parseEventQuery(raw: Raw, pathService?: string, maxPage = MAX_PAGE): EventQuery {
  const filter: EventFilter = {};
  for (const [param, value] of Object.entries(raw)) {
    const key = LIST_PARAMS[param];
    if (!key) {
      if (!OTHER_PARAMS.includes(param)) throw bad(param, `unknown parameter; filters are ${Object.keys(LIST_PARAMS).join(', ')}, since, until`);
      continue;
    }
    const values = (Array.isArray(value) ? value : [value ?? ''])
      .flatMap((v) => (param === 'type' ? v.split(',') : [v]))
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length === 0) continue;
    (filter[key] as string[] | undefined) = [...((filter[key] as string[] | undefined) ?? []), ...values];
  }
  if (pathService) filter.service = [pathService];
  const since = time(raw, 'since');
  const until = time(raw, 'until');
  if (since) filter.since = since;
  if (until) filter.until = until;
  if (since && until && since > until) throw bad('since', `is after until (${since} > ${until})`);
  const page: EventPage = {};
  const after = integer(raw, 'after', 0, Number.MAX_SAFE_INTEGER);
  const limit = integer(raw, 'limit', 1, maxPage);
  const tail = integer(raw, 'tail', 1, maxPage);
  if (tail !== undefined && (after !== undefined || limit !== undefined)) throw bad('tail', 'cannot be combined with after or limit');
  if (after !== undefined) page.after = after;
  if (limit !== undefined) page.limit = limit;
  if (tail !== undefined) page.tail = tail;
  const data = one(raw, 'data');
  if (data !== undefined && data !== 'true' && data !== 'false') throw bad('data', `must be true or false, got '${data}'`);
  page.data = data !== 'false';
  const waitMs = integer(raw, 'wait', 0, MAX_WAIT_MS) ?? 0;
  if (waitMs > 0 && tail !== undefined) throw bad('wait', 'follows a cursor (after), not a tail');
  return { filter, page, waitMs };
}
