import { Type, type Static } from '@sinclair/typebox';

/**
 * Typed deltas (Digital.ai Deploy's delta analysis, other-systems §1a.1 stage 2): what an install, update or uninstall
 * does to each pod instance, computed from the target configuration before and after it.
 */

export const DELTA_OPERATIONS = ['CREATE', 'MODIFY', 'DESTROY', 'NOOP'] as const;
export type DeltaOperation = (typeof DELTA_OPERATIONS)[number];
export const DeltaOperationSchema = Type.Union(DELTA_OPERATIONS.map((o) => Type.Literal(o)));

/** One task of a pod instance: its own operation, from the hash of everything that relaunches it. */
export const TaskDeltaSchema = Type.Object(
  {
    task: Type.String({ minLength: 1 }),
    operation: DeltaOperationSchema,
    /** Relaunch hash of the task before and after (null where the task does not exist). */
    before: Type.Union([Type.String(), Type.Null()]),
    after: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type TaskDelta = Static<typeof TaskDeltaSchema>;

/** One changed setting of a pod: its path in the pod spec and the values before and after (absent: undefined). */
export const DeltaChangeSchema = Type.Object(
  { path: Type.String(), before: Type.Optional(Type.Unknown()), after: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);
export type DeltaChange = Static<typeof DeltaChangeSchema>;

export const PodDeltaSchema = Type.Object(
  {
    /** Pod instance name, e.g. `hello-0`. */
    podInstance: Type.String({ minLength: 1 }),
    podType: Type.String({ minLength: 1 }),
    podIndex: Type.Integer({ minimum: 0 }),
    operation: DeltaOperationSchema,
    /** Configuration ids of the target before and after (null: none, or not yet stored). */
    beforeConfigId: Type.Union([Type.String(), Type.Null()]),
    afterConfigId: Type.Union([Type.String(), Type.Null()]),
    /** What the pod instance relaunches for, before and after: its pod spec without count, placement, allow-decommission. */
    before: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    after: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
    /** For MODIFY: every changed setting. */
    changes: Type.Array(DeltaChangeSchema),
    tasks: Type.Array(TaskDeltaSchema),
  },
  { additionalProperties: false },
);
export type PodDelta = Static<typeof PodDeltaSchema>;
