import type { DataSource } from 'typeorm';
import { upcast, type AuditEvent, type ChainEvent, type EventChain, type EventEnvelope, type EventFilter, type EventList, type MarshalEvent, type Recorded } from '@marshal/contracts';
import { ref, type RefKind } from '../projection/audit';

export interface EventPage {
  /** Only events after this sequence (the cursor). */
  after?: number;
  /** Page size (default 100, at most 1000). */
  limit?: number;
  /** The last `tail` matching events instead of the first page after the cursor. */
  tail?: number;
  /** Include each event's data (default true). */
  data?: boolean;
}

// The wire types of the audit API are declared once, with the routes the CLI calls (`@marshal/contracts` http).
export type { AuditEvent, ChainEvent, EventChain, EventFilter, EventList } from '@marshal/contracts';

/** Default bounds of one answer of the audit API (the gateway's EVENTS_MAX_PAGE and EVENTS_MAX_CHAIN). */
export const MAX_PAGE = 1000;
export const MAX_CHAIN = 5000;

export interface AuditLimits {
  /** Most events of one page (`limit`, `tail`). */
  maxPage: number;
  /** Most events of one causal chain; a longer one is answered truncated. */
  maxChain: number;
}
const REF_FILTERS: RefKind[] = ['service', 'plan', 'phase', 'step', 'task', 'agent', 'type', 'actor'];

interface DbEvent {
  seq: string;
  id: string;
  type: string;
  version: number;
  at: Date;
  service: string | null;
  agent_id: string | null;
  subject: string;
  aggregate: string;
  actor: string;
  correlation_id: string;
  causation_id: string | null;
  data?: unknown;
}

const COLUMNS = 'seq, id, type, version, at, service, agent_id, subject, aggregate, actor, correlation_id, causation_id';

function envelopeOf(r: DbEvent): EventEnvelope {
  return {
    id: r.id,
    type: r.type,
    version: r.version,
    aggregate: r.aggregate,
    at: new Date(r.at).toISOString(),
    correlationId: r.correlation_id,
    causationId: r.causation_id,
    actor: r.actor,
    data: r.data,
  };
}

function toAuditEvent(r: DbEvent): AuditEvent {
  const base = {
    seq: Number(r.seq),
    id: r.id,
    type: r.type,
    version: r.version,
    at: new Date(r.at).toISOString(),
    service: r.service,
    agentId: r.agent_id,
    subject: r.subject,
    aggregate: r.aggregate,
    actor: r.actor,
    correlationId: r.correlation_id,
    causationId: r.causation_id,
  };
  if (r.data === undefined) return base;
  // Stored rows keep the version they were projected at; readers always see the current one.
  const current = upcast(envelopeOf(r));
  return { ...base, version: current.version, data: current.data };
}

/** The audit log: the `events` read model, filtered, paged by sequence, and walked along causation links. */
export class AuditQueries {
  private readonly limits: AuditLimits;

  constructor(
    private readonly ds: DataSource,
    limits: Partial<AuditLimits> = {},
  ) {
    this.limits = { maxPage: limits.maxPage ?? MAX_PAGE, maxChain: limits.maxChain ?? MAX_CHAIN };
  }

  async events(filter: EventFilter, page: EventPage = {}): Promise<EventList> {
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    const where: string[] = [];
    for (const kind of REF_FILTERS) {
      const values = filter[kind];
      if (values?.length) where.push(`refs && ${p(values.map((v) => ref(kind, v)))}::text[]`);
    }
    if (filter.pod?.length) {
      // A pod's tasks are named after it only by convention; the tasks read model knows which are its own.
      const services = filter.service?.length ? filter.service : null;
      where.push(
        `refs && (${p(filter.pod.map((v) => ref('pod', v)))}::text[] || ARRAY(SELECT 'task:' || task_name FROM tasks
           WHERE (pod_type || '-' || pod_index) = ANY(${p(filter.pod)}::text[]) AND (${p(services)}::text[] IS NULL OR service = ANY(${p(services)}::text[]))))`,
      );
    }
    if (filter.correlationId?.length) where.push(`correlation_id = ANY(${p(filter.correlationId)}::text[])`);
    if (filter.causationId?.length) where.push(`causation_id = ANY(${p(filter.causationId)}::text[])`);
    if (filter.since) where.push(`at >= ${p(filter.since)}::timestamptz`);
    if (filter.until) where.push(`at <= ${p(filter.until)}::timestamptz`);
    const after = page.after ?? 0;
    if (after > 0) where.push(`seq > ${p(after)}`);
    const cond = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const cols = page.data === false ? COLUMNS : `${COLUMNS}, data`;
    let rows: DbEvent[];
    let limit: number;
    if (page.tail !== undefined) {
      limit = Math.min(Math.max(page.tail, 1), this.limits.maxPage);
      rows = ((await this.ds.query(`SELECT ${cols} FROM events ${cond} ORDER BY seq DESC LIMIT ${p(limit)}`, params)) as DbEvent[]).reverse();
    } else {
      limit = Math.min(Math.max(page.limit ?? 100, 1), this.limits.maxPage);
      rows = await this.ds.query(`SELECT ${cols} FROM events ${cond} ORDER BY seq LIMIT ${p(limit)}`, params);
    }
    const events = rows.map(toAuditEvent);
    return { events, cursor: events.length ? events[events.length - 1].seq : after, more: page.tail === undefined && events.length === limit };
  }

  /**
   * The causal chain of an event, a command or a correlation: the events with that id, correlation id or causation
   * id, and everything caused by them along causation links; plus, for an event, the causes that led to it.
   * Undefined when nothing in the log has the id.
   */
  async chain(id: string, opts: { data?: boolean } = {}): Promise<EventChain | undefined> {
    const cols = opts.data === false ? COLUMNS : `${COLUMNS}, data`;
    const rows: DbEvent[] = await this.ds.query(
      `WITH RECURSIVE chain(seq, id) AS (
         SELECT seq, id FROM events WHERE id = $1 OR correlation_id = $1 OR causation_id = $1
         UNION
         SELECT e.seq, e.id FROM events e JOIN chain c ON e.causation_id = c.id
       )
       SELECT ${cols} FROM events WHERE seq IN (SELECT seq FROM chain) ORDER BY seq LIMIT $2`,
      [id, this.limits.maxChain + 1],
    );
    if (rows.length === 0) return undefined;
    const truncated = rows.length > this.limits.maxChain;
    const events = rows.slice(0, this.limits.maxChain).map(toAuditEvent);
    const depth = new Map<string, number>();
    const chained: ChainEvent[] = events.map((e) => {
      const d = e.causationId !== null && depth.has(e.causationId) ? (depth.get(e.causationId) as number) + 1 : 0;
      depth.set(e.id, d);
      return { ...e, depth: d };
    });
    const causes: DbEvent[] = await this.ds.query(
      `WITH RECURSIVE up(id, causation_id, n) AS (
         SELECT id, causation_id, 0 FROM events WHERE id = $1
         UNION ALL
         SELECT e.id, e.causation_id, up.n + 1 FROM events e JOIN up ON e.id = up.causation_id WHERE up.n < 1000
       )
       SELECT ${cols} FROM events WHERE id IN (SELECT id FROM up WHERE n > 0) ORDER BY seq`,
      [id],
    );
    return { id, causes: causes.map(toAuditEvent), events: chained, truncated };
  }

  /** The last sequence whose event happened at or before a time (0 when none did). */
  async seqAt(time: string): Promise<number> {
    const [row]: { seq: string | null }[] = await this.ds.query(`SELECT max(seq) AS seq FROM events WHERE at <= $1::timestamptz`, [time]);
    return row?.seq ? Number(row.seq) : 0;
  }

  /** A service's events up to a sequence, as recorded events brought to the current versions: time travel's input. */
  async serviceHistory(service: string, toSeq: number): Promise<Recorded<MarshalEvent>[]> {
    const rows: DbEvent[] = await this.ds.query(`SELECT ${COLUMNS}, data FROM events WHERE service = $1 AND seq <= $2 ORDER BY seq`, [service, toSeq]);
    return rows.map((r) => ({ seq: Number(r.seq), subject: r.subject, event: upcast(envelopeOf(r)) as MarshalEvent }));
  }
}
