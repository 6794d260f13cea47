import { Type, type Static } from '@sinclair/typebox';
import { CommandMetaSchema, defineCommand } from './command';

/** One agent's outcome for one evaluated pod instance requirement (reference §5.6, §6.8 `offers[]`). */
export const OfferOutcomeEntrySchema = Type.Object(
  {
    /** When it was evaluated, ms since the epoch. */
    timestamp: Type.Integer({ minimum: 0 }),
    /** `hello-0:[server]` (reference §1.6.1). */
    'pod-instance-name': Type.String(),
    outcome: Type.Union([Type.Literal('pass'), Type.Literal('fail')]),
    /** `PASS(<Source>): …` / `FAIL(<Source>): …` lines, children indented. */
    explanation: Type.Array(Type.String()),
    /** The agent as it was offered: id, hostname, fault domain, attributes, free resources. */
    offer: Type.String(),
  },
  { additionalProperties: false },
);
export type OfferOutcomeEntry = Static<typeof OfferOutcomeEntrySchema>;

/** The last evaluation of a step that could not be placed yet. */
export const PendingStepOutcomeSchema = Type.Object(
  {
    service: Type.String(),
    plan: Type.String(),
    step: Type.String(),
    stepId: Type.String(),
    'pod-instance-name': Type.String(),
    timestamp: Type.Integer({ minimum: 0 }),
    /** In words: why none of the agents fits, agent by agent (the closest to fitting first). */
    summary: Type.String(),
    offers: Type.Array(OfferOutcomeEntrySchema),
  },
  { additionalProperties: false },
);
export type PendingStepOutcome = Static<typeof PendingStepOutcomeSchema>;

/**
 * The offer outcome tracker (reference §5.6, §6.8 `GET /v2/debug/offers`): counts since the coordinator started, the
 * last 100 agent outcomes, and (Marshal's addition) the last evaluation of every step still waiting for an agent.
 */
export const OfferOutcomeSummarySchema = Type.Object(
  {
    acceptedCount: Type.Integer({ minimum: 0 }),
    rejectedCount: Type.Integer({ minimum: 0 }),
    /** Failing outcomes per stage or rule (the `<Source>` of a top-level FAIL line). */
    failureReasons: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    /** Failing outcomes per agent id. */
    rejectedAgents: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    offers: Type.Array(OfferOutcomeEntrySchema),
    pending: Type.Array(PendingStepOutcomeSchema),
  },
  { additionalProperties: false },
);
export type OfferOutcomeSummary = Static<typeof OfferOutcomeSummarySchema>;

/** The coordinator's offer outcome tracker, for one service or all of them. */
export const GetOfferOutcomes = defineCommand(
  'coordinator.offers',
  Type.Object({ meta: CommandMetaSchema, service: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
  OfferOutcomeSummarySchema,
);
