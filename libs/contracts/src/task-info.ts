import { Type, type Static } from '@sinclair/typebox';
import {
  ConfigFileSpecSchema,
  HealthCheckSpecSchema,
  ReadinessCheckSpecSchema,
  RLimitSpecSchema,
  RangeSchema,
  VolumeTypeSchema,
} from './service-spec';
import { GoalStateSchema } from './status';

/** Scalar resources, memory and disk in MB. */
export const ScalarResourcesSchema = Type.Object(
  {
    cpus: Type.Number({ minimum: 0 }),
    memory: Type.Number({ minimum: 0 }),
    disk: Type.Number({ minimum: 0 }),
    gpus: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ScalarResources = Static<typeof ScalarResourcesSchema>;

export const MountDiskSchema = Type.Object(
  {
    /** Directory on the agent that backs the disk. */
    root: Type.String({ minLength: 1 }),
    size: Type.Number({ minimum: 0 }),
    profile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type MountDisk = Static<typeof MountDiskSchema>;

/** What an agent offers: its total resources (reference §5.3). */
export const AgentResourcesSchema = Type.Object(
  {
    cpus: Type.Number({ minimum: 0 }),
    memory: Type.Number({ minimum: 0 }),
    disk: Type.Number({ minimum: 0 }),
    gpus: Type.Number({ minimum: 0 }),
    ports: Type.Array(RangeSchema),
    mounts: Type.Array(MountDiskSchema),
  },
  { additionalProperties: false },
);
export type AgentResources = Static<typeof AgentResourcesSchema>;

export const AllocatedPortSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    envKey: Type.Optional(Type.String({ minLength: 1 })),
    advertise: Type.Boolean(),
    vip: Type.Optional(Type.Object({ port: Type.Integer(), prefix: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type AllocatedPort = Static<typeof AllocatedPortSchema>;

export const AllocatedVolumeSchema = Type.Object(
  {
    /** Sandbox-relative path the volume appears at. */
    path: Type.String({ minLength: 1 }),
    type: VolumeTypeSchema,
    size: Type.Number({ minimum: 0 }),
    /** Stable id of the persistent volume: the same across relaunches in place, new on replace. */
    persistenceId: Type.String({ minLength: 1 }),
    /** For MOUNT volumes: the agent disk backing it. */
    mountRoot: Type.Optional(Type.String({ minLength: 1 })),
    /** Pod-level volume shared by the pod's tasks. */
    podLevel: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type AllocatedVolume = Static<typeof AllocatedVolumeSchema>;

/**
 * Everything an agent needs to run one task; the equivalent of a Mesos TaskInfo (reference §5.3 "Launch").
 * Built by the coordinator from the spec and the evaluation's proposal.
 */
export const TaskInfoSchema = Type.Object(
  {
    /** `<sanitized service>__<task name>__<uuid>`. */
    taskId: Type.String({ minLength: 1 }),
    /** `<pod>-<index>-<task>`. */
    taskName: Type.String({ minLength: 1 }),
    /** Task name within the pod spec, e.g. `server`. */
    taskSpecName: Type.String({ minLength: 1 }),
    service: Type.String({ minLength: 1 }),
    podType: Type.String({ minLength: 1 }),
    podIndex: Type.Integer({ minimum: 0 }),
    /** The configuration the task was built from (label `target_configuration`). */
    configId: Type.String({ minLength: 1 }),
    goal: GoalStateSchema,
    essential: Type.Boolean(),
    cmd: Type.String(),
    /** The final task environment (§4.11) but for what only the agent knows (sandbox paths). */
    env: Type.Record(Type.String(), Type.String()),
    resources: ScalarResourcesSchema,
    ports: Type.Array(AllocatedPortSchema),
    volumes: Type.Array(AllocatedVolumeSchema),
    configs: Type.Array(ConfigFileSpecSchema),
    uris: Type.Array(Type.String()),
    rlimits: Type.Array(RLimitSpecSchema),
    healthCheck: Type.Optional(HealthCheckSpecSchema),
    readinessCheck: Type.Optional(ReadinessCheckSpecSchema),
    killGracePeriod: Type.Integer({ minimum: 0 }),
    labels: Type.Record(Type.String(), Type.String()),
    /** The pod's `user` (reference §4.1): who the agent runs the task as. Absent: the agent's default task user. */
    user: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type TaskInfo = Static<typeof TaskInfoSchema>;

/** What names a task and what it runs; everything else of a TaskInfo has a neutral value in {@link minimalTaskInfo}. */
export type TaskInfoEssentials = Pick<TaskInfo, 'taskId' | 'taskName' | 'taskSpecName' | 'service' | 'podType' | 'podIndex' | 'configId' | 'cmd'>;

/**
 * A well-formed TaskInfo with nothing but what is given: a RUNNING essential task with 0.1 cpu and 32 MB, no ports,
 * volumes, configs, URIs, rlimits, labels or grace period. For tests and simulations that need a launchable task.
 */
export function minimalTaskInfo(task: TaskInfoEssentials & Partial<TaskInfo>): TaskInfo {
  return {
    goal: 'RUNNING',
    essential: true,
    env: {},
    resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 },
    ports: [],
    volumes: [],
    configs: [],
    uris: [],
    rlimits: [],
    killGracePeriod: 0,
    labels: {},
    ...task,
  };
}
