import { Type, type Static } from '@sinclair/typebox';

/**
 * The repeatable filters of `GET /v1/events`, as query parameters: a filter given several times matches any of its
 * values, different filters must all match. `phase`, `step`: id or name; `pod`: a pod instance (`hello-0`), its steps'
 * transitions and its tasks' events; `task`: name or id.
 */
export const EVENT_LIST_FILTERS = ['service', 'plan', 'phase', 'step', 'pod', 'task', 'agent', 'type', 'actor', 'correlationId', 'causationId'] as const;
export type EventListFilter = (typeof EVENT_LIST_FILTERS)[number];

/** The filters of `GET /v1/events`: the list filters, and `since`/`until` (ISO-8601 times, inclusive). */
export type EventFilter = { [K in EventListFilter]?: string[] } & { since?: string; until?: string };

/** One event as the audit API shows it: the envelope (data upcast to the current version) and where it was logged. */
export const AuditEvent = Type.Object(
  {
    seq: Type.Integer({ minimum: 1 }),
    id: Type.String(),
    type: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    at: Type.String(),
    service: Type.Union([Type.String(), Type.Null()]),
    agentId: Type.Union([Type.String(), Type.Null()]),
    subject: Type.String(),
    aggregate: Type.String(),
    actor: Type.String(),
    correlationId: Type.String(),
    causationId: Type.Union([Type.String(), Type.Null()]),
    /** Absent when asked without data (`data=false`). */
    data: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
export type AuditEvent = Static<typeof AuditEvent>;

/** `GET /v1/events`: one page. */
export const EventList = Type.Object(
  {
    events: Type.Array(AuditEvent),
    /** Cursor for the next page (`after`): the last sequence listed, or the cursor given when nothing matched. */
    cursor: Type.Integer({ minimum: 0 }),
    /** True when the page was full: there may be more right away. */
    more: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type EventList = Static<typeof EventList>;

/** An event of a causal chain: how many causation links from the chain's first event (0 for the first ones). */
export const ChainEvent = Type.Composite([AuditEvent, Type.Object({ depth: Type.Integer({ minimum: 0 }) })], { additionalProperties: false });
export type ChainEvent = Static<typeof ChainEvent>;

/** `GET /v1/events/{id}/chain`. */
export const EventChain = Type.Object(
  {
    /** The id asked for: an event id, a command id or a correlation id. */
    id: Type.String(),
    /** What led to the event asked for, root cause first (empty for a command or correlation id). */
    causes: Type.Array(AuditEvent),
    /** The event (or the events of the command/correlation) and everything they caused, in log order. */
    events: Type.Array(ChainEvent),
    truncated: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type EventChain = Static<typeof EventChain>;
