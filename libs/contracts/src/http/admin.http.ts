import { Type, type Static } from '@sinclair/typebox';
import { COMMANDS } from '../command-catalog';

/** One generation of the read models (a PostgreSQL schema filled from the log) and how far it is. */
export const ProjectionGeneration = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    schema: Type.String(),
    state: Type.Union([Type.Literal('building'), Type.Literal('active'), Type.Literal('retired')]),
    createdAt: Type.String(),
    activatedAt: Type.Union([Type.String(), Type.Null()]),
    /** Who asked for it: an actor for a rebuild, null for the first generation. */
    requestedBy: Type.Union([Type.String(), Type.Null()]),
    /** Last stream sequence the generation holds. */
    checkpoint: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ProjectionGeneration = Static<typeof ProjectionGeneration>;

/** `GET /v1/admin/projections` (also in verbose health): the log's head and the read models' lag. */
export const ProjectionsStatus = Type.Object(
  {
    /** Last sequence of the event log. */
    head: Type.Integer({ minimum: 0 }),
    /** Events in the log not yet in the read models the API serves (head − active checkpoint). */
    lag: Type.Integer({ minimum: 0 }),
    /** The active generation and, during a rebuild, the one being built. */
    generations: Type.Array(Type.Composite([ProjectionGeneration, Type.Object({ lag: Type.Integer({ minimum: 0 }) })], { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type ProjectionsStatus = Static<typeof ProjectionsStatus>;

/** `POST /v1/admin/rebuild-projections`: state-projector's reply, passed on as it is. */
export const RebuildReplyBody = COMMANDS['projector.rebuild'].reply;
export type RebuildReplyBody = Static<typeof RebuildReplyBody>;

/**
 * An event a consumer could not apply and skipped after bounded retries (docs/architecture.md, poison events). The
 * event stays in the log at `seq`; `POST /v1/admin/parked/{seq}/retry` makes the consumer apply it again.
 */
export const ParkedEvent = Type.Object(
  {
    /** The consumer that parked it: a service's queue name (plan-manager, coordinator, agent-<id>, ...). */
    consumer: Type.String(),
    seq: Type.Integer({ minimum: 1 }),
    subject: Type.String(),
    /** Envelope id and type, null when the message could not be decoded that far. */
    eventId: Type.Union([Type.String(), Type.Null()]),
    type: Type.Union([Type.String(), Type.Null()]),
    /** undecodable: not JSON; invalid: fails the catalogue's schema; handler: the consumer's handler kept failing. */
    reason: Type.Union([Type.Literal('undecodable'), Type.Literal('invalid'), Type.Literal('handler')]),
    error: Type.String(),
    /** Attempts made before it was parked, plus those of every failed retry. */
    attempts: Type.Integer({ minimum: 1 }),
    /** Retries asked by an admin that failed again. */
    retries: Type.Integer({ minimum: 0 }),
    parkedAt: Type.String(),
  },
  { additionalProperties: false },
);
export type ParkedEvent = Static<typeof ParkedEvent>;

/** `GET /v1/admin/parked`: every parked event of every consumer, by sequence. */
export const ParkedList = Type.Object({ parked: Type.Array(ParkedEvent) }, { additionalProperties: false });
export type ParkedList = Static<typeof ParkedList>;

/** `POST /v1/admin/parked/{seq}/retry`: which consumers re-ran the event, and what is still parked after the retry. */
export const ParkedRetryBody = Type.Object(
  {
    seq: Type.Integer({ minimum: 1 }),
    /** Consumers that had parked the sequence and were asked to re-run it. */
    consumers: Type.Array(Type.String()),
    /** Those that applied it this time: no longer parked. */
    unparked: Type.Array(Type.String()),
    /** Entries still parked (failed again, or no answer before the deadline). */
    stillParked: Type.Array(ParkedEvent),
  },
  { additionalProperties: false },
);
export type ParkedRetryBody = Static<typeof ParkedRetryBody>;
