import { Type, type Static } from '@sinclair/typebox';
import { PodSpecSchema } from '../service-spec';
import { AllocatedPortSchema, AllocatedVolumeSchema, ScalarResourcesSchema } from '../task-info';
import { CandidateSchema } from './plan.commands';
import { CommandMetaSchema, defineCommand } from './command';

/** Why one agent did not fit, or that it did: `PASS(Stage): reason` / `FAIL(Stage): reason` lines (§5.1). */
export const AgentOutcomeSchema = Type.Object(
  {
    agentId: Type.String(),
    hostname: Type.String(),
    pass: Type.Boolean(),
    reasons: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type AgentOutcome = Static<typeof AgentOutcomeSchema>;

export const ProposalSchema = Type.Object(
  {
    agentId: Type.String(),
    hostname: Type.String(),
    /** Last sequence of the agent's ledger subject the evaluation saw: the commit's expected sequence. */
    agentSeq: Type.Integer({ minimum: 0 }),
    /** Set when the pod instance already holds a reservation on this agent (relaunch in place). */
    existingReservationId: Type.Optional(Type.String()),
    resources: ScalarResourcesSchema,
    ports: Type.Array(AllocatedPortSchema),
    volumes: Type.Array(AllocatedVolumeSchema),
  },
  { additionalProperties: false },
);
export type Proposal = Static<typeof ProposalSchema>;

/** Evaluate one candidate step against every agent (offer-evaluator queue group). */
export const EvaluateCandidate = defineCommand(
  'offer.evaluate',
  Type.Object(
    {
      meta: CommandMetaSchema,
      candidate: CandidateSchema,
      pod: PodSpecSchema,
      /** Every pod of the candidate's service: placement counts the tasks of the other pod instances. */
      servicePods: Type.Array(PodSpecSchema),
      /** Evaluate against the agent ledger as of at least this stream sequence. */
      ledgerSeq: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      proposal: Type.Union([ProposalSchema, Type.Null()]),
      /** Failures (and the pass, if any) per agent, to explain a PENDING step. */
      outcomes: Type.Array(AgentOutcomeSchema),
      ledgerSeq: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
);

/** What one candidate of a batch came to. */
export const BatchEvaluationResultSchema = Type.Object(
  {
    stepId: Type.String(),
    proposal: Type.Union([ProposalSchema, Type.Null()]),
    outcomes: Type.Array(AgentOutcomeSchema),
    /**
     * Not evaluated in this batch, to be sent again: another candidate of the batch already proposed a reservation
     * for the same pod instance.
     */
    deferred: Type.Optional(Type.Boolean()),
    /** The candidate could not be evaluated at all (e.g. it names tasks its pod does not have): why. */
    error: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type BatchEvaluationResult = Static<typeof BatchEvaluationResultSchema>;

/**
 * Evaluate many candidates against the agent ledger in one request (offer-evaluator queue group), so messaging is
 * paid once per batch. Candidates are evaluated in order and each proposal counts for the ones after it, so one
 * batch never proposes the same resources twice. Proposals for one agent form a group the coordinator commits
 * together (one ResourcesReservedBatch expecting their common `agentSeq`).
 */
export const EvaluateCandidates = defineCommand(
  'offer.evaluate-batch',
  Type.Object(
    {
      meta: CommandMetaSchema,
      candidates: Type.Array(CandidateSchema, { minItems: 1 }),
      /** Pod specs of every configuration the candidates name: `configId` → the configuration's pods. */
      configs: Type.Record(Type.String(), Type.Array(PodSpecSchema)),
      /** Evaluate against the agent ledger as of at least this stream sequence. */
      ledgerSeq: Type.Integer({ minimum: 0 }),
      /**
       * Index (in registration order, wrapping) of the agent the search starts at, so batches evaluated at the same
       * time look at different agents first. Default 0: registration order, as a single evaluation.
       */
      startAt: Type.Optional(Type.Integer({ minimum: 0 })),
      /** Most agent outcomes per candidate that fits nowhere (default 50). */
      maxOutcomes: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
      /** Most agent outcomes per placed candidate, the winner first (default 1: only the winner's lines). */
      maxOutcomesWithProposal: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      /** One per candidate, in request order. */
      results: Type.Array(BatchEvaluationResultSchema),
      ledgerSeq: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
);
