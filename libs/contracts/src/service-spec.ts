import { Type, type Static } from '@sinclair/typebox';
import { GoalStateSchema } from './status';
import { PHASE_STRATEGY_TABLE, PLAN_STRATEGY_TABLE, strategyNames } from './plan-model';

/**
 * The normalized ServiceSpec (reference §4.7): what `svc.yml` becomes after rendering, parsing and validation.
 * It is the payload of ConfigurationAccepted and the only input spec, plan and offer logic read.
 * Ordered maps of the YAML (pods, tasks, ports, volumes, plans, phases) are arrays here, in declaration order.
 */

export const RangeSchema = Type.Object(
  { begin: Type.Integer({ minimum: 0 }), end: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
export type Range = Static<typeof RangeSchema>;

export const VipSpecSchema = Type.Object(
  { port: Type.Integer({ minimum: 1, maximum: 65535 }), prefix: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type VipSpec = Static<typeof VipSpecSchema>;

export const PortSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** 0 = dynamic. */
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    envKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Advertised ports are EXTERNAL and listed by /v1/endpoints (§4.4.1). */
    advertise: Type.Boolean(),
    ranges: Type.Array(RangeSchema),
    vip: Type.Optional(VipSpecSchema),
  },
  { additionalProperties: false },
);
export type PortSpec = Static<typeof PortSpecSchema>;

export const VolumeTypeSchema = Type.Union([Type.Literal('ROOT'), Type.Literal('MOUNT'), Type.Literal('PATH')]);
export type VolumeType = Static<typeof VolumeTypeSchema>;

export const VolumeSpecSchema = Type.Object(
  {
    /** Sandbox-relative, single path segment. */
    path: Type.String({ minLength: 1 }),
    type: VolumeTypeSchema,
    /** MB. */
    size: Type.Integer({ minimum: 1 }),
    profiles: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type VolumeSpec = Static<typeof VolumeSpecSchema>;

/** A resource limit: a number or "unlimited" (reference §4.4, §10.3 quirk 4). */
export const ResourceLimitSchema = Type.Union([Type.Number({ minimum: 0 }), Type.Literal('unlimited')]);
export const ResourceLimitsSchema = Type.Object(
  { cpus: Type.Optional(ResourceLimitSchema), memory: Type.Optional(ResourceLimitSchema) },
  { additionalProperties: false },
);
export type ResourceLimits = Static<typeof ResourceLimitsSchema>;

/** Explicit `resource-sets` entries and the implicit `<task>-resource-set` of inline task resources (§4.5). */
export const ResourceSetSpecSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    cpus: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    gpus: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** MB. */
    memory: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    ports: Type.Array(PortSpecSchema),
    volumes: Type.Array(VolumeSpecSchema),
    resourceLimits: Type.Optional(ResourceLimitsSchema),
  },
  { additionalProperties: false },
);
export type ResourceSetSpec = Static<typeof ResourceSetSpecSchema>;

export const HealthCheckSpecSchema = Type.Object(
  {
    cmd: Type.String({ minLength: 1 }),
    interval: Type.Number({ minimum: 0 }),
    gracePeriod: Type.Number({ minimum: 0 }),
    maxConsecutiveFailures: Type.Integer({ minimum: 1 }),
    delay: Type.Number({ minimum: 0 }),
    timeout: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type HealthCheckSpec = Static<typeof HealthCheckSpecSchema>;

export const ReadinessCheckSpecSchema = Type.Object(
  {
    cmd: Type.String({ minLength: 1 }),
    interval: Type.Number({ minimum: 0 }),
    timeout: Type.Number({ minimum: 0 }),
    delay: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ReadinessCheckSpec = Static<typeof ReadinessCheckSpecSchema>;

export const ConfigFileSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** Path of the template as written in svc.yml, relative to the package. */
    templatePath: Type.String(),
    /** The template's content, read when the package was rendered (the original stored it in the config too). */
    template: Type.String(),
    /** Destination relative to the task sandbox. */
    dest: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export type ConfigFileSpec = Static<typeof ConfigFileSpecSchema>;

export const DiscoverySpecSchema = Type.Object(
  {
    prefix: Type.Optional(Type.String({ minLength: 1 })),
    visibility: Type.Union([Type.Literal('FRAMEWORK'), Type.Literal('CLUSTER'), Type.Literal('EXTERNAL')]),
  },
  { additionalProperties: false },
);
export type DiscoverySpec = Static<typeof DiscoverySpecSchema>;

export const TransportEncryptionSpecSchema = Type.Object(
  { name: Type.String({ minLength: 1 }), type: Type.Union([Type.Literal('TLS'), Type.Literal('KEYSTORE')]) },
  { additionalProperties: false },
);

export const IpcModeSchema = Type.Union([Type.Literal('PRIVATE'), Type.Literal('SHARE_PARENT')]);

export const TaskSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    goal: GoalStateSchema,
    essential: Type.Boolean(),
    cmd: Type.String(),
    /** YAML env merged with TASKCFG_* routing (§4.10); SDK variables are added at launch (§4.11). */
    env: Type.Record(Type.String(), Type.String()),
    labels: Type.Record(Type.String(), Type.String()),
    /** Id of the resource set in the pod's `resourceSets` (explicit or `<task>-resource-set`). */
    resourceSet: Type.String({ minLength: 1 }),
    healthCheck: Type.Optional(HealthCheckSpecSchema),
    readinessCheck: Type.Optional(ReadinessCheckSpecSchema),
    configs: Type.Array(ConfigFileSpecSchema),
    discovery: Type.Optional(DiscoverySpecSchema),
    /** Seconds between SIGTERM and SIGKILL, 0…3600. */
    killGracePeriod: Type.Integer({ minimum: 0, maximum: 3600 }),
    transportEncryption: Type.Array(TransportEncryptionSpecSchema),
    ipcMode: Type.Optional(IpcModeSchema),
    shmSize: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type TaskSpec = Static<typeof TaskSpecSchema>;

export const NetworkSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    hostPorts: Type.Array(Type.Integer({ minimum: 0, maximum: 65535 })),
    containerPorts: Type.Array(Type.Integer({ minimum: 0, maximum: 65535 })),
    labels: Type.Record(Type.String(), Type.String()),
  },
  { additionalProperties: false },
);
export type NetworkSpec = Static<typeof NetworkSpecSchema>;

export const RLimitSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** Absent soft and hard mean unlimited; -1 means unlimited. */
    soft: Type.Optional(Type.Integer({ minimum: -1 })),
    hard: Type.Optional(Type.Integer({ minimum: -1 })),
  },
  { additionalProperties: false },
);
export type RLimitSpec = Static<typeof RLimitSpecSchema>;

export const SecretSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    secret: Type.String({ minLength: 1 }),
    envKey: Type.Optional(Type.String({ minLength: 1 })),
    file: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type SecretSpec = Static<typeof SecretSpecSchema>;

export const HostVolumeSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    hostPath: Type.String({ minLength: 1 }),
    containerPath: Type.String({ minLength: 1 }),
    mode: Type.Union([Type.Literal('RW'), Type.Literal('RO')]),
  },
  { additionalProperties: false },
);
export type HostVolumeSpec = Static<typeof HostVolumeSpecSchema>;

export const ExternalVolumeSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: Type.Literal('DOCKER'),
    containerPath: Type.String({ minLength: 1 }),
    driverName: Type.String({ minLength: 1 }),
    driverOptions: Type.String(),
    volumeName: Type.Optional(Type.String({ minLength: 1 })),
    volumeMode: Type.Union([Type.Literal('RW'), Type.Literal('RO')]),
  },
  { additionalProperties: false },
);
export type ExternalVolumeSpec = Static<typeof ExternalVolumeSpecSchema>;

export const PodSpecSchema = Type.Object(
  {
    type: Type.String({ minLength: 1 }),
    count: Type.Integer({ minimum: 0 }),
    allowDecommission: Type.Boolean(),
    image: Type.Optional(Type.String({ minLength: 1 })),
    user: Type.String({ minLength: 1 }),
    networks: Type.Array(NetworkSpecSchema),
    rlimits: Type.Array(RLimitSpecSchema),
    uris: Type.Array(Type.String({ minLength: 1 })),
    /** Marathon-style constraint string as written (§5.5); the offer lib parses it. Absent = no rule. */
    placement: Type.Optional(Type.String()),
    preReservedRole: Type.String({ minLength: 1 }),
    secrets: Type.Array(SecretSpecSchema),
    sharePidNamespace: Type.Boolean(),
    hostVolumes: Type.Array(HostVolumeSpecSchema),
    externalVolumes: Type.Array(ExternalVolumeSpecSchema),
    seccompUnconfined: Type.Optional(Type.Boolean()),
    seccompProfileName: Type.Optional(Type.String({ minLength: 1 })),
    ipcMode: Type.Optional(IpcModeSchema),
    shmSize: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Pod-level (executor) volumes shared by every task of the pod. */
    volumes: Type.Array(VolumeSpecSchema),
    resourceSets: Type.Array(ResourceSetSpecSchema),
    tasks: Type.Array(TaskSpecSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type PodSpec = Static<typeof PodSpecSchema>;

/** Strategy names svc.yml accepts: the keys of plan-model's strategy tables (reference §2.2). */
export const PLAN_STRATEGIES = strategyNames(PLAN_STRATEGY_TABLE);
export const PHASE_STRATEGIES = strategyNames(PHASE_STRATEGY_TABLE);

/** `plans:` of svc.yml, parsed and checked by the spec lib; generated into plans by the plan lib (§3.2). */
export const StepListSpecSchema = Type.Object(
  {
    /** A pod index as a decimal string, or "default". */
    key: Type.String({ minLength: 1 }),
    /** Each inner list is one step launching those tasks together. */
    tasks: Type.Array(Type.Array(Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);
export type StepListSpec = Static<typeof StepListSpecSchema>;

export const PhaseSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    pod: Type.String({ minLength: 1 }),
    strategy: Type.Union(PHASE_STRATEGIES.map((s) => Type.Literal(s))),
    /** `strategy: {parallel: {max-concurrent: N}}`: at most N steps of the phase in progress at once (Marshal's extension). */
    maxConcurrent: Type.Optional(Type.Integer({ minimum: 1 })),
    steps: Type.Optional(Type.Array(StepListSpecSchema)),
  },
  { additionalProperties: false },
);
export type PhaseSpec = Static<typeof PhaseSpecSchema>;

export const PlanSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    strategy: Type.Union(PLAN_STRATEGIES.map((s) => Type.Literal(s))),
    phases: Type.Array(PhaseSpecSchema),
  },
  { additionalProperties: false },
);
export type PlanSpec = Static<typeof PlanSpecSchema>;

export const ServiceSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    role: Type.String({ minLength: 1 }),
    principal: Type.String({ minLength: 1 }),
    user: Type.String({ minLength: 1 }),
    zookeeper: Type.String({ minLength: 1 }),
    webUrl: Type.Optional(Type.String()),
    region: Type.Optional(Type.String({ minLength: 1 })),
    pods: Type.Array(PodSpecSchema, { minItems: 1 }),
    /** Empty when svc.yml has no `plans:` (then the default deploy plan applies, §3.1). */
    plans: Type.Array(PlanSpecSchema),
  },
  { additionalProperties: false },
);
export type ServiceSpec = Static<typeof ServiceSpecSchema>;
