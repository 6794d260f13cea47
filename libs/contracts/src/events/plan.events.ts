import { Type, type Static } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { LaunchedTaskSchema, PhaseModelSchema, PlanModelSchema, StepKindSchema } from '../plan-model';
import { DisplayStatusSchema, RecoveryTypeSchema, StatusSchema } from '../status';

/** Events of `<ns>.evt.svc.<service>.plan`, written by plan-manager only. */

export const StepTreeSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    kind: StepKindSchema,
    /** The display status: PAUSING/PAUSED when every task of the step's pod is paused (reference §1.6.2). */
    status: DisplayStatusSchema,
    /** The pod instance and tasks the step launches (its pod instance requirement, §1.6.1). */
    podType: Type.Optional(Type.String()),
    podIndex: Type.Optional(Type.Integer({ minimum: 0 })),
    tasks: Type.Array(Type.String()),
    recoveryType: Type.Optional(RecoveryTypeSchema),
    /** The resource or task a decommission/uninstall step acts on. */
    target: Type.Optional(Type.String()),
    errors: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type StepTree = Static<typeof StepTreeSchema>;

export const PhaseTreeSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    strategy: Type.String({ minLength: 1 }),
    status: StatusSchema,
    steps: Type.Array(StepTreeSchema),
  },
  { additionalProperties: false },
);
export type PhaseTree = Static<typeof PhaseTreeSchema>;

export const PlanTreeSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    strategy: Type.String({ minLength: 1 }),
    status: StatusSchema,
    errors: Type.Array(Type.String()),
    phases: Type.Array(PhaseTreeSchema),
  },
  { additionalProperties: false },
);
export type PlanTree = Static<typeof PlanTreeSchema>;

export const PlanGenerated = defineEvent(
  'PlanGenerated',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      configId: Type.String({ minLength: 1 }),
      /** Position in the coordinator's plan order (deploy, recovery, decommission, custom plans). */
      order: Type.Integer({ minimum: 0 }),
      /** The plan as plan-manager computes with it (strategies, interrupt flags, parameters). */
      model: PlanModelSchema,
      /** The plan as the API shows it, at generation. */
      plan: PlanTreeSchema,
    },
    { additionalProperties: false },
  ),
);

export const StepStatusChanged = defineEvent(
  'StepStatusChanged',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      plan: Type.String({ minLength: 1 }),
      phaseId: Type.String({ minLength: 1 }),
      phase: Type.String({ minLength: 1 }),
      stepId: Type.String({ minLength: 1 }),
      step: Type.String({ minLength: 1 }),
      from: StatusSchema,
      to: StatusSchema,
      /** Why, in words: the task status, offer outcome or operator command behind it. */
      reason: Type.String(),
      /**
       * The tasks the step tracks (launched by its last evaluation) with the step's view of each, and whether it
       * was evaluated (reference §1.6.2). `from` may equal `to` when only one task of a multi-task step progressed.
       */
      launched: Type.Array(LaunchedTaskSchema),
      prepared: Type.Boolean(),
      errors: Type.Array(Type.String()),
      /** The transition is an operator's skip (to COMPLETE, shown SKIPPED); any later transition of the step clears it. */
      skipped: Type.Optional(Type.Literal(true)),
    },
    { additionalProperties: false },
  ),
);

/** A phase's status and a step's display status, as a plan publishes them. */
const PublishedPhasesSchema = Type.Array(Type.Object({ id: Type.String(), status: StatusSchema }, { additionalProperties: false }));
const PublishedStepsSchema = Type.Array(Type.Object({ id: Type.String(), status: DisplayStatusSchema }, { additionalProperties: false }));

/**
 * The plan's own status or errors changed (with whatever its phases and steps did in the same decision; step statuses
 * are display statuses). Lets read models follow without re-running strategy logic. Published only on a change of the
 * plan's status or errors: a decision that moves only phases or steps is a {@link PlanProgressed}.
 */
export const PlanStatusChanged = defineEvent(
  'PlanStatusChanged',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      plan: Type.String({ minLength: 1 }),
      status: StatusSchema,
      errors: Type.Array(Type.String()),
      phases: PublishedPhasesSchema,
      steps: PublishedStepsSchema,
    },
    { additionalProperties: false },
  ),
);

/** Phases or steps of a plan changed what the API shows while the plan's own status and errors stayed the same. */
export const PlanProgressed = defineEvent(
  'PlanProgressed',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      plan: Type.String({ minLength: 1 }),
      phases: PublishedPhasesSchema,
      steps: PublishedStepsSchema,
    },
    { additionalProperties: false },
  ),
);

/*
 * Operator actions and automatic changes to a plan, each a fact with exactly the effect it names, so that folding
 * them rebuilds the plans (reference §1.4, §1.5, §3.7, §6.2). Step restarts and force-completes are StepStatusChanged
 * events whose `reason` names the command; the actor is the envelope's.
 */

const PlanRef = { service: Type.String({ minLength: 1 }), plan: Type.String({ minLength: 1 }) };
const PhaseRef = { ...PlanRef, phaseId: Type.String({ minLength: 1 }), phase: Type.String({ minLength: 1 }) };
const StepRef = { ...PhaseRef, stepId: Type.String({ minLength: 1 }), step: Type.String({ minLength: 1 }) };

/** The plan's own strategy is interrupted: none of its phases starts new work (reference §1.4). */
export const PlanInterrupted = defineEvent('PlanInterrupted', 1, Type.Object(PlanRef, { additionalProperties: false }));
/** The plan's own interrupt flag is cleared; its phases are untouched. */
export const PlanProceeded = defineEvent('PlanProceeded', 1, Type.Object(PlanRef, { additionalProperties: false }));
/** A phase's strategy is interrupted (a canary phase's inner strategy, once its canary steps are released). */
export const PhaseInterrupted = defineEvent('PhaseInterrupted', 1, Type.Object(PhaseRef, { additionalProperties: false }));
export const PhaseProceeded = defineEvent('PhaseProceeded', 1, Type.Object(PhaseRef, { additionalProperties: false }));
/** A step's own interrupted flag: set by a canary strategy at generation, cleared by a canary release or a restart. */
export const StepInterrupted = defineEvent('StepInterrupted', 1, Type.Object(StepRef, { additionalProperties: false }));
export const StepProceeded = defineEvent('StepProceeded', 1, Type.Object(StepRef, { additionalProperties: false }));

/** `plan start` parameters: they replace every step's parameters (reference §3.7). */
export const PlanParametersSet = defineEvent(
  'PlanParametersSet',
  1,
  Type.Object({ ...PlanRef, parameters: Type.Record(Type.String(), Type.String()) }, { additionalProperties: false }),
);

/** A plan no longer exists: a custom plan the new configuration dropped, or every plan but the uninstall plan. */
export const PlanRemoved = defineEvent(
  'PlanRemoved',
  1,
  Type.Object({ ...PlanRef, reason: Type.String() }, { additionalProperties: false }),
);

/**
 * The recovery plan after a recovery pass (reference §3.4 steps 7–8): the phases removed (a new failure of the same
 * pod replaces its old phase, completed or not) and those added, one recovery step each.
 */
export const RecoveryPlanChanged = defineEvent(
  'RecoveryPlanChanged',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      removedPhases: Type.Array(Type.String()),
      added: Type.Array(PhaseModelSchema),
      /** The added phases as the API shows them. */
      addedTree: Type.Array(PhaseTreeSchema),
    },
    { additionalProperties: false },
  ),
);

/** Uninstall began: the plans are replaced by the uninstall plan, named `deploy` (reference §3.6); cannot be undone. */
export const ServiceUninstallStarted = defineEvent(
  'ServiceUninstallStarted',
  1,
  Type.Object({ service: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
);

/** The uninstall plan completed: the service is gone; read models drop its rows. */
export const ServiceRemoved = defineEvent(
  'ServiceRemoved',
  1,
  Type.Object({ service: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
);
