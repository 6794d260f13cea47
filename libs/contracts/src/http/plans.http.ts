import { Type, type Static } from '@sinclair/typebox';

const Time = Type.Union([Type.String(), Type.Null()]);

/**
 * The JSON of `GET /v1/plans/{plan}` (reference §6.2): no plan name field, statuses as displayed. `startedAt` and
 * `completedAt` (ISO-8601 or null) are Marshal's additions.
 */
export const PlanBody = Type.Object(
  {
    phases: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          name: Type.String(),
          steps: Type.Array(
            Type.Object(
              { id: Type.String(), status: Type.String(), name: Type.String(), message: Type.String(), startedAt: Time, completedAt: Time },
              { additionalProperties: false },
            ),
          ),
          strategy: Type.String(),
          status: Type.String(),
          startedAt: Time,
          completedAt: Time,
        },
        { additionalProperties: false },
      ),
    ),
    errors: Type.Array(Type.String()),
    status: Type.String(),
    strategy: Type.String(),
  },
  { additionalProperties: false },
);
export type PlanBody = Static<typeof PlanBody>;

/** `POST /v1/plans/{plan}/start`: parameters for the plan's tasks' environment (reference §6.2); none is `{}`. */
export const StartPlanBody = Type.Record(Type.String(), Type.String());
export type StartPlanBody = Static<typeof StartPlanBody>;

/** `GET /v1/plans`: the plan names. */
export const PlanNamesBody = Type.Array(Type.String());
export type PlanNamesBody = Static<typeof PlanNamesBody>;

/** The original's answer to a plan or pod command: `{"message": "Received cmd: …"}` (reference §6.2). */
export const CommandMessageBody = Type.Object({ message: Type.String() }, { additionalProperties: false });
export type CommandMessageBody = Static<typeof CommandMessageBody>;
