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
