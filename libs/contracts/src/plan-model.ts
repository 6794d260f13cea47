import { Type, type Static } from '@sinclair/typebox';
import { RecoveryTypeSchema, StatusSchema } from './status';

/**
 * The plan model as it travels in plan events: plain data the plan lib computes with (reference §1.1). The plan
 * lib's types are these; PlanGenerated carries a whole PlanModel so plan-manager rebuilds its state from the log.
 */

export const STEP_KINDS = ['deployment', 'recovery', 'kill', 'unreserve', 'erase', 'deregister', 'tls-cleanup'] as const;
export const StepKindSchema = Type.Union(STEP_KINDS.map((k) => Type.Literal(k)));
export type StepKind = (typeof STEP_KINDS)[number];

export const RequirementSchema = Type.Object(
  {
    podType: Type.String({ minLength: 1 }),
    podIndex: Type.Integer({ minimum: 0 }),
    tasks: Type.Array(Type.String({ minLength: 1 })),
    recoveryType: RecoveryTypeSchema,
  },
  { additionalProperties: false },
);
export type Requirement = Static<typeof RequirementSchema>;

export const LaunchedTaskSchema = Type.Object(
  { taskId: Type.String({ minLength: 1 }), taskName: Type.String({ minLength: 1 }), status: StatusSchema },
  { additionalProperties: false },
);
export type LaunchedTask = Static<typeof LaunchedTaskSchema>;

export const StepModelSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    kind: StepKindSchema,
    status: StatusSchema,
    interrupted: Type.Boolean(),
    requirement: Type.Optional(RequirementSchema),
    target: Type.Optional(Type.String()),
    errors: Type.Array(Type.String()),
    parameters: Type.Record(Type.String(), Type.String()),
    launched: Type.Array(LaunchedTaskSchema),
    prepared: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type StepModel = Static<typeof StepModelSchema>;

export const SerialStrategyModelSchema = Type.Object(
  { type: Type.Literal('serial'), interrupted: Type.Boolean(), chain: Type.Array(Type.String()) },
  { additionalProperties: false },
);
export const ParallelStrategyModelSchema = Type.Object(
  { type: Type.Literal('parallel'), interrupted: Type.Boolean() },
  { additionalProperties: false },
);
export const RandomStrategyModelSchema = Type.Object(
  { type: Type.Literal('random'), interrupted: Type.Boolean() },
  { additionalProperties: false },
);
export const DependencyStrategyModelSchema = Type.Object(
  { type: Type.Literal('dependency'), interrupted: Type.Boolean(), prerequisites: Type.Record(Type.String(), Type.Array(Type.String())) },
  { additionalProperties: false },
);
export const BasicStrategyModelSchema = Type.Union([
  SerialStrategyModelSchema,
  ParallelStrategyModelSchema,
  RandomStrategyModelSchema,
  DependencyStrategyModelSchema,
]);
export const CanaryStrategyModelSchema = Type.Object(
  {
    type: Type.Literal('canary'),
    inner: BasicStrategyModelSchema,
    canarySteps: Type.Array(Type.String()),
    requiredProceeds: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export const StrategyModelSchema = Type.Union([BasicStrategyModelSchema, CanaryStrategyModelSchema]);

export type SerialStrategyModel = Static<typeof SerialStrategyModelSchema>;
export type ParallelStrategyModel = Static<typeof ParallelStrategyModelSchema>;
export type RandomStrategyModel = Static<typeof RandomStrategyModelSchema>;
export type DependencyStrategyModel = Static<typeof DependencyStrategyModelSchema>;
export type BasicStrategyModel = Static<typeof BasicStrategyModelSchema>;
export type CanaryStrategyModel = Static<typeof CanaryStrategyModelSchema>;
export type StrategyModel = Static<typeof StrategyModelSchema>;

export const PhaseModelSchema = Type.Object(
  { id: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1 }), strategy: StrategyModelSchema, steps: Type.Array(StepModelSchema) },
  { additionalProperties: false },
);
export type PhaseModel = Static<typeof PhaseModelSchema>;

export const PlanModelSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    strategy: BasicStrategyModelSchema,
    phases: Type.Array(PhaseModelSchema),
    errors: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type PlanModel = Static<typeof PlanModelSchema>;
