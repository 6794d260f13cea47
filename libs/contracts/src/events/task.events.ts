import { Type } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { TaskStateSchema } from '../status';
import { TaskInfoSchema } from '../task-info';

/** Events of `<ns>.evt.svc.<service>.task.<agentId>`: facts about tasks, appended without ordering guards. */

export const StepRefSchema = Type.Object(
  {
    plan: Type.String({ minLength: 1 }),
    phaseId: Type.String({ minLength: 1 }),
    stepId: Type.String({ minLength: 1 }),
    step: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const TaskLaunched = defineEvent(
  'TaskLaunched',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      agentId: Type.String({ minLength: 1 }),
      hostname: Type.String({ minLength: 1 }),
      reservationId: Type.String({ minLength: 1 }),
      /** The step whose evaluation launched the task. */
      step: StepRefSchema,
      task: TaskInfoSchema,
    },
    { additionalProperties: false },
  ),
);

export const TaskStatusUpdated = defineEvent(
  'TaskStatusUpdated',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      agentId: Type.String({ minLength: 1 }),
      taskId: Type.String({ minLength: 1 }),
      taskName: Type.String({ minLength: 1 }),
      state: TaskStateSchema,
      message: Type.String(),
      /** Readiness check result carried with the status (reference §1.6.2); absent when the task has none. */
      readiness: Type.Optional(
        Type.Object(
          { passed: Type.Boolean(), exitCode: Type.Optional(Type.Integer()) },
          { additionalProperties: false },
        ),
      ),
      healthy: Type.Optional(Type.Boolean()),
      exitCode: Type.Optional(Type.Integer()),
    },
    { additionalProperties: false },
  ),
);

export const TaskKillRequested = defineEvent(
  'TaskKillRequested',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      agentId: Type.String({ minLength: 1 }),
      taskId: Type.String({ minLength: 1 }),
      taskName: Type.String({ minLength: 1 }),
      reason: Type.String(),
    },
    { additionalProperties: false },
  ),
);

/** A decommissioned task's state is erased (reference §3.5 `erase-<task>`): it is no longer a stored task. */
export const TaskErased = defineEvent(
  'TaskErased',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      agentId: Type.String({ minLength: 1 }),
      taskId: Type.String({ minLength: 1 }),
      taskName: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
);
