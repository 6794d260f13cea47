import { Type } from '@sinclair/typebox';
import { defineEvent } from '../envelope';
import { OverrideProgressSchema, OverrideTargetSchema } from '../status';

/**
 * Events of `<ns>.evt.svc.<service>.plan` about pod instances and their tasks, written by plan-manager: operator pod
 * commands (reference §6.3), goal-state overrides (§1.6.4), back-off delays (§1.6.3) and permanent failures (§3.4).
 * Task names are task instance names (`hello-0-server`).
 */

const PodCommandData = Type.Object(
  {
    service: Type.String({ minLength: 1 }),
    /** Pod instance name, e.g. `hello-0`. */
    pod: Type.String({ minLength: 1 }),
    tasks: Type.Array(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

/** `pod restart`: the tasks' back-off delays are cleared; they are being killed to relaunch in place (TRANSIENT). */
export const PodRestartRequested = defineEvent('PodRestartRequested', 1, PodCommandData);

/**
 * `pod replace`: delays cleared and the launched tasks (`taskIds`) permanently failed, so recovery relaunches the pod
 * elsewhere with fresh reservations and volumes (PERMANENT).
 */
export const PodReplaceRequested = defineEvent(
  'PodReplaceRequested',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      pod: Type.String({ minLength: 1 }),
      tasks: Type.Array(Type.String({ minLength: 1 })),
      taskIds: Type.Array(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
);

/** `pod pause`: override PAUSED, progress PENDING for the tasks; they are killed and relaunched idle. */
export const PodPauseRequested = defineEvent('PodPauseRequested', 1, PodCommandData);

/** `pod resume`: override NONE, progress PENDING; the tasks are killed and relaunched with their own command. */
export const PodResumeRequested = defineEvent('PodResumeRequested', 1, PodCommandData);

/**
 * Goal-state overrides changed without an operator command: progress as relaunched tasks report (§1.6.2 point 4),
 * decommission marks (§3.5). Target NONE with progress COMPLETE means no override.
 */
export const GoalOverridesChanged = defineEvent(
  'GoalOverridesChanged',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      overrides: Type.Array(
        Type.Object(
          { taskName: Type.String({ minLength: 1 }), target: OverrideTargetSchema, progress: OverrideProgressSchema },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
      reason: Type.String(),
    },
    { additionalProperties: false },
  ),
);

/** A task failed with back-off enabled: its launch is delayed until `since + delayMs` (ms since the epoch). */
export const TaskDelayed = defineEvent(
  'TaskDelayed',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      taskName: Type.String({ minLength: 1 }),
      delayMs: Type.Integer({ minimum: 0 }),
      since: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
);

/** Back-off delays removed: a task became ready, a step or plan restart, `pod restart`/`replace` (§1.6.3). */
export const TaskDelaysCleared = defineEvent(
  'TaskDelaysCleared',
  1,
  Type.Object(
    { service: Type.String({ minLength: 1 }), tasks: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), reason: Type.String() },
    { additionalProperties: false },
  ),
);

/**
 * Launched tasks (by task id) judged permanently failed without an operator: they reported TASK_GONE_BY_OPERATOR, or
 * stayed failed longer than the automatic pod replacement timeout (§3.4 steps 1 and 6). Recovery replaces them.
 */
export const TasksPermanentlyFailed = defineEvent(
  'TasksPermanentlyFailed',
  1,
  Type.Object(
    {
      service: Type.String({ minLength: 1 }),
      tasks: Type.Array(
        Type.Object({ taskId: Type.String({ minLength: 1 }), taskName: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        { minItems: 1 },
      ),
      reason: Type.String(),
    },
    { additionalProperties: false },
  ),
);
