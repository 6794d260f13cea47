import { Type, type Static } from '@sinclair/typebox';
import { StepKindSchema } from '../plan-model';
import { RecoveryTypeSchema, StatusSchema } from '../status';
import { CommandMetaSchema, defineCommand } from './command';

export const TaskRefSchema = Type.Object(
  { taskId: Type.String(), taskName: Type.String(), agentId: Type.String() },
  { additionalProperties: false },
);

/** A step the coordinator may work on now, with its pod instance requirement (reference §1.6.1, §2.5). */
export const CandidateSchema = Type.Object(
  {
    service: Type.String(),
    configId: Type.String(),
    plan: Type.String(),
    phaseId: Type.String(),
    phase: Type.String(),
    stepId: Type.String(),
    step: Type.String(),
    kind: StepKindSchema,
    /** What a decommission or uninstall step acts on (a task name or reservation id). */
    target: Type.Optional(Type.String()),
    status: StatusSchema,
    podType: Type.String(),
    podIndex: Type.Integer({ minimum: 0 }),
    tasks: Type.Array(Type.String()),
    recoveryType: RecoveryTypeSchema,
    /** Plan parameters for the launched tasks' environment (§3.7). */
    environment: Type.Record(Type.String(), Type.String()),
    /** Running tasks of the pod that must be killed before the relaunch (§2.6 kill phase). */
    tasksToKill: Type.Array(TaskRefSchema),
    /**
     * Tasks (spec names) with a PAUSED goal override: launched with the pause command instead of their own, without
     * health check and with a readiness check that never passes (reference §1.6.4).
     */
    paused: Type.Optional(Type.Array(Type.String())),
    /**
     * The chain the step belongs to: the correlation and the id of the event that last changed it. What the
     * coordinator does for the step continues that chain (causation, correlation), so an operator's command or a
     * configuration reaches every transition it caused in the audit log.
     */
    lineage: Type.Optional(
      Type.Object({ correlationId: Type.String({ minLength: 1 }), causationId: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type Candidate = Static<typeof CandidateSchema>;

/**
 * The steps the coordinator may work on now, across every service, in coordinator order. `minSeq` makes the
 * plan-manager answer only once it has folded the log up to that sequence (the coordinator's own last writes), so a
 * step already launched is never offered again.
 */
export const GetCandidates = defineCommand(
  'plan.candidates',
  Type.Object({ meta: CommandMetaSchema, minSeq: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
  Type.Object(
    { candidates: Type.Array(CandidateSchema), seq: Type.Integer({ minimum: 0 }) },
    { additionalProperties: false },
  ),
);

/**
 * What the coordinator did with a candidate (reference §1.6.2 `updateOfferStatus`, §2.6): committed a reservation
 * (PREPARED), launched tasks (STARTING), found no fit (PREPARED), or carried out a step without a pod (kill,
 * unreserve, erase: done).
 * `minSeq` is the coordinator's last append, which plan-manager folds before it applies the report.
 */
export const ReportOfferEvaluated = defineCommand(
  'plan.offer-evaluated',
  Type.Object(
    {
      meta: CommandMetaSchema,
      service: Type.String(),
      plan: Type.String(),
      stepId: Type.String(),
      minSeq: Type.Integer({ minimum: 0 }),
      result: Type.Union([
        Type.Object(
          { kind: Type.Literal('launched'), tasks: Type.Array(Type.Object({ taskId: Type.String(), taskName: Type.String() }, { additionalProperties: false })) },
          { additionalProperties: false },
        ),
        Type.Object({ kind: Type.Literal('no-fit'), outcome: Type.String() }, { additionalProperties: false }),
        /** Resources committed on an agent, launch not sent yet: the step is PREPARED. */
        Type.Object({ kind: Type.Literal('reserved'), agentId: Type.String(), hostname: Type.String() }, { additionalProperties: false }),
        Type.Object({ kind: Type.Literal('done'), note: Type.String() }, { additionalProperties: false }),
      ]),
    },
    { additionalProperties: false },
  ),
  Type.Object({ seq: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
);

export const PLAN_ACTIONS = ['start', 'stop', 'continue', 'interrupt', 'forceComplete', 'restart', 'skip'] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

/** Operator commands on a plan (reference §6.2). */
export const PlanCommand = defineCommand(
  'plan.command',
  Type.Object(
    {
      meta: CommandMetaSchema,
      service: Type.String({ minLength: 1 }),
      plan: Type.String({ minLength: 1 }),
      action: Type.Union(PLAN_ACTIONS.map((a) => Type.Literal(a))),
      phase: Type.Optional(Type.String({ minLength: 1 })),
      step: Type.Optional(Type.String({ minLength: 1 })),
      parameters: Type.Optional(Type.Record(Type.String(), Type.String())),
    },
    { additionalProperties: false },
  ),
  Type.Object({ message: Type.String(), seq: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
);

export const POD_ACTIONS = ['restart', 'replace', 'pause', 'resume'] as const;
export type PodAction = (typeof POD_ACTIONS)[number];

/** Operator commands on a pod instance (reference §6.3). */
export const PodCommand = defineCommand(
  'pod.command',
  Type.Object(
    {
      meta: CommandMetaSchema,
      service: Type.String({ minLength: 1 }),
      pod: Type.String({ minLength: 1 }),
      action: Type.Union(POD_ACTIONS.map((a) => Type.Literal(a))),
      tasks: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { pod: Type.String(), tasks: Type.Array(Type.String()), seq: Type.Integer({ minimum: 0 }) },
    { additionalProperties: false },
  ),
);

/**
 * Uninstall a service (reference §3.6): its plans are replaced by the uninstall plan, named `deploy`, which kills its
 * tasks and releases its reservations; once it completes the service is removed. Cannot be cancelled; a repeated
 * request is answered with the same plan.
 */
export const UninstallService = defineCommand(
  'service.uninstall',
  Type.Object({ meta: CommandMetaSchema, service: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  Type.Object({ service: Type.String(), seq: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
);
