import { Type, type Static } from '@sinclair/typebox';
import { RecoveryTypeSchema, StatusSchema } from './status';

/**
 * The plan model as it travels in plan events: plain data the plan lib computes with (reference §1.1). The plan
 * lib's types are these; PlanGenerated carries a whole PlanModel so plan-manager rebuilds its state from the log.
 */

export const STEP_KINDS = ['deployment', 'recovery', 'kill', 'unreserve', 'erase', 'deregister', 'tls-cleanup'] as const;
export const StepKindSchema = Type.Union(STEP_KINDS.map((k) => Type.Literal(k)));
export type StepKind = (typeof STEP_KINDS)[number];

/** What a step asks the offer evaluator for: a pod instance and the tasks to launch in it (reference §1.6.1). */
export const RequirementSchema = Type.Object(
  {
    podType: Type.String({ minLength: 1 }),
    podIndex: Type.Integer({ minimum: 0 }),
    /** Task names within the pod spec, e.g. `["server"]`, in the order the step launches them. */
    tasks: Type.Array(Type.String({ minLength: 1 })),
    recoveryType: RecoveryTypeSchema,
  },
  { additionalProperties: false },
);
export type Requirement = Static<typeof RequirementSchema>;

/** One task launched by a step's last evaluation, with the step's view of it (reference §1.6.2 task map). */
export const LaunchedTaskSchema = Type.Object(
  {
    taskId: Type.String({ minLength: 1 }),
    /** Task instance name, e.g. `hello-0-server`. */
    taskName: Type.String({ minLength: 1 }),
    status: StatusSchema,
  },
  { additionalProperties: false },
);
export type LaunchedTask = Static<typeof LaunchedTaskSchema>;

export const StepModelSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    kind: StepKindSchema,
    /** The internal status: never WAITING or IN_PROGRESS; the plan lib's `stepStatus` gives the reported one. */
    status: StatusSchema,
    /** Set by a canary strategy or an operator restart's proceed (reference §1.4). */
    interrupted: Type.Boolean(),
    /** Deployment and recovery steps only (reference §1.6). */
    requirement: Type.Optional(RequirementSchema),
    /** What a decommission/uninstall step acts on: a task name, task id or resource id. */
    target: Type.Optional(Type.String()),
    errors: Type.Array(Type.String()),
    /** Plan parameters, added to the launched tasks' environment (reference §3.7). */
    parameters: Type.Record(Type.String(), Type.String()),
    /** Tasks launched by the last evaluation; status updates for other task ids are ignored. */
    launched: Type.Array(LaunchedTaskSchema),
    /** Evaluated at least once (or a launched task was lost): no launch shows as PREPARED instead of PENDING. */
    prepared: Type.Boolean(),
    /** An operator skipped the step: COMPLETE for every strategy, shown SKIPPED (other-systems §1a.7). Absent: not skipped. */
    skipped: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
export type StepModel = Static<typeof StepModelSchema>;

/**
 * Serial: at most one child at a time, in children order. `chain` holds the ids of the children that were not
 * complete when the strategy was built (reference §2.2: the original built it on first use); each of them waits for
 * every earlier id in the chain, while children outside the chain have no prerequisites.
 */
export const SerialStrategyModelSchema = Type.Object(
  { type: Type.Literal('serial'), interrupted: Type.Boolean(), chain: Type.Array(Type.String()) },
  { additionalProperties: false },
);
/** Parallel: every eligible child; with `maxConcurrent`, at most that many children in progress at once. */
export const ParallelStrategyModelSchema = Type.Object(
  { type: Type.Literal('parallel'), interrupted: Type.Boolean(), maxConcurrent: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);
/** Random: one eligible child, chosen with the context's `random`. Not reachable from YAML. */
export const RandomStrategyModelSchema = Type.Object(
  { type: Type.Literal('random'), interrupted: Type.Boolean() },
  { additionalProperties: false },
);
/** Dependency: explicit prerequisites per child id (not transitive: every ancestor is listed); `maxConcurrent` as parallel's. */
export const DependencyStrategyModelSchema = Type.Object(
  {
    type: Type.Literal('dependency'),
    interrupted: Type.Boolean(),
    prerequisites: Type.Record(Type.String(), Type.Array(Type.String())),
    maxConcurrent: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export const BasicStrategyModelSchema = Type.Union([
  SerialStrategyModelSchema,
  ParallelStrategyModelSchema,
  RandomStrategyModelSchema,
  DependencyStrategyModelSchema,
]);
/**
 * Canary over steps (reference §2.2): the selected steps were interrupted when the strategy was built; each phase
 * proceed releases one of them, and once none is interrupted the inner strategy decides.
 */
export const CanaryStrategyModelSchema = Type.Object(
  {
    type: Type.Literal('canary'),
    inner: BasicStrategyModelSchema,
    /** Ids of the selected canary steps, in children order. */
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
    /** Plans never use a canary (reference §2.2); the plan's interrupted flag lives here (reference §1.1). */
    strategy: BasicStrategyModelSchema,
    phases: Type.Array(PhaseModelSchema),
    /** The plan's own errors, e.g. configuration validation errors attached to `deploy` (reference §3.0 step 6). */
    errors: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type PlanModel = Static<typeof PlanModelSchema>;

/**
 * The strategies a svc.yml may name (reference §2.2 "YAML strategy names"), declared once: the spec's schema and
 * validation list these keys, and the plan lib's generation builds from each entry — `over`: the basic strategy over
 * the phase's steps (a parallel one over pods with several steps each becomes a dependency strategy, §3.2), `canary`:
 * wrapped in a canary. `listed` is the name's position where the original's plan generation listed the accepted
 * names (the key order of a Java HashMap). Adding a strategy: libs/plan/README.md "Adding a strategy".
 */
export const PHASE_STRATEGY_TABLE = {
  serial: { over: 'serial', canary: false, listed: 1 },
  parallel: { over: 'parallel', canary: false, listed: 2 },
  'serial-canary': { over: 'serial', canary: true, listed: 4 },
  canary: { over: 'serial', canary: true, listed: 0 },
  'parallel-canary': { over: 'parallel', canary: true, listed: 3 },
} as const satisfies Record<string, { over: BasicStrategyModel['type']; canary: boolean; listed: number }>;
export type PhaseStrategyName = keyof typeof PHASE_STRATEGY_TABLE;

/** The strategies a svc.yml plan may name (reference §2.2): plans never use a canary. */
export const PLAN_STRATEGY_TABLE = {
  serial: { over: 'serial', listed: 1 },
  parallel: { over: 'parallel', listed: 0 },
} as const satisfies Record<string, { over: BasicStrategyModel['type']; listed: number }>;
export type PlanStrategyName = keyof typeof PLAN_STRATEGY_TABLE;

/** A table's names in declaration order (the order the spec's validation lists them). */
export function strategyNames<T extends object>(table: T): (keyof T & string)[] {
  return Object.keys(table) as (keyof T & string)[];
}

/** A table's names where the original's plan generation listed them. */
export function listedStrategyNames<T extends Record<string, { listed: number }>>(table: T): (keyof T & string)[] {
  return strategyNames(table).sort((a, b) => table[a].listed - table[b].listed);
}
