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
