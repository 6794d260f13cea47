import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static } from '@sinclair/typebox';
import { EnvelopeSchema, type EventDefinition, type EventEnvelope, type EventMeta } from './envelope';
import { AGENT_LOST_V1_REASON, AgentLost, AgentLostV1, AgentRegistered, ResourcesReleased, ResourcesReserved, ResourcesReservedBatch } from './events/agent.events';
import { ConfigurationAccepted, ConfigurationRejected, ConfigurationRevalidated } from './events/configuration.events';
import {
  PhaseInterrupted,
  PhaseProceeded,
  PlanGenerated,
  PlanInterrupted,
  PlanParametersSet,
  PlanProceeded,
  PlanRemoved,
  PlanProgressed,
  PlanStatusChanged,
  RecoveryPlanChanged,
  ServiceRemoved,
  ServiceUninstallStarted,
  StepInterrupted,
  StepProceeded,
  StepStatusChanged,
} from './events/plan.events';
import {
  GoalOverridesChanged,
  PodPauseRequested,
  PodReplaceRequested,
  PodRestartRequested,
  PodResumeRequested,
  TaskDelayed,
  TaskDelaysCleared,
  TasksPermanentlyFailed,
} from './events/pod.events';
import { ProjectionRebuildCompleted, ProjectionRebuildStarted } from './events/projection.events';
import { StateFileStored } from './events/state.events';
import { TaskErased, TaskKillRequested, TaskLaunched, TaskStatusUpdated } from './events/task.events';

/** Every event type, at its current version. Adding an event means adding it here. */
export const EVENTS = {
  ConfigurationAccepted,
  ConfigurationRejected,
  ConfigurationRevalidated,
  PlanGenerated,
  StepStatusChanged,
  PlanStatusChanged,
  PlanProgressed,
  PlanInterrupted,
  PlanProceeded,
  PhaseInterrupted,
  PhaseProceeded,
  StepInterrupted,
  StepProceeded,
  PlanParametersSet,
  PlanRemoved,
  RecoveryPlanChanged,
  ServiceUninstallStarted,
  ServiceRemoved,
  PodRestartRequested,
  PodReplaceRequested,
  PodPauseRequested,
  PodResumeRequested,
  GoalOverridesChanged,
  TaskDelayed,
  TaskDelaysCleared,
  TasksPermanentlyFailed,
  TaskLaunched,
  TaskStatusUpdated,
  TaskKillRequested,
  TaskErased,
  AgentRegistered,
  ResourcesReserved,
  ResourcesReservedBatch,
  ResourcesReleased,
  AgentLost,
  ProjectionRebuildStarted,
  ProjectionRebuildCompleted,
  StateFileStored,
} as const;

type Events = typeof EVENTS;
export type EventType = keyof Events;
export type EventData<T extends EventType> = Static<Events[T]['schema']>;

/** Who an agent is and what it offers: what it registers with (`AgentRegistered`), and what the ledger knows of it. */
export type AgentIdentity = EventData<'AgentRegistered'>;
export type EventOf<T extends EventType> = EventEnvelope<T, EventData<T>>;
/** The discriminated union of every current event. */
export type MarshalEvent = { [T in EventType]: EventOf<T> }[EventType];

export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENTS, type);
}

export function makeEvent<T extends EventType>(type: T, aggregate: string, data: EventData<T>, meta: EventMeta): EventOf<T> {
  return { id: meta.id, type, version: EVENTS[type].version, aggregate, at: meta.at, correlationId: meta.correlationId, causationId: meta.causationId, actor: meta.actor, data };
}

/**
 * Upcasters turn version n of an event's data into version n+1, one step each, pure and mechanical (toolchain §3.2:
 * additive fields with defaults first, a new event type for a change of meaning). Key: `<type>@<fromVersion>`.
 */
type Upcaster = (data: unknown) => unknown;
const UPCASTERS: Record<string, Upcaster> = {};
/** Schemas of the versions older than the current one, so stored logs can be checked against what was written. */
const HISTORIC: Record<string, EventDefinition> = {};

/** Registers an upcaster; used by the catalogue itself when an event's version is bumped. */
export function registerUpcaster(type: EventType, fromVersion: number, upcast: Upcaster): void {
  UPCASTERS[`${type}@${fromVersion}`] = upcast;
}

/**
 * Declares that `from` (an older version of a type in EVENTS) becomes `to` (the next version) through `upcast`.
 * Bumping an event: keep the old definition as `<Name>V<n>`, give the new one version n+1, add one line here.
 */
function versionStep<F extends EventDefinition, T extends EventDefinition>(from: F, to: T, upcast: (data: Static<F['schema']>) => Static<T['schema']>): void {
  if (from.type !== to.type || to.version !== from.version + 1) {
    throw new Error(`event versions must be bumped one at a time: ${from.type}@${from.version} → ${to.type}@${to.version}`);
  }
  HISTORIC[`${from.type}@${from.version}`] = from;
  registerUpcaster(from.type as EventType, from.version, upcast as Upcaster);
}

// AgentLost v2 (reason): every v1 AgentLost came from the coordinator's heartbeat timeout.
versionStep(AgentLostV1, AgentLost, (d) => ({ ...d, reason: AGENT_LOST_V1_REASON }));

/** The definition of a type at a given version (current or historic), or undefined when the catalogue has none. */
export function eventDefinition(type: string, version: number): EventDefinition | undefined {
  if (isEventType(type) && EVENTS[type].version === version) return EVENTS[type];
  return HISTORIC[`${type}@${version}`];
}

export class EventValidationError extends Error {
  constructor(
    message: string,
    readonly errors: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'EventValidationError';
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateEnvelope = ajv.compile(EnvelopeSchema);
const dataValidators = new Map<string, ValidateFunction>();
for (const def of Object.values(EVENTS) as EventDefinition[]) {
  dataValidators.set(`${def.type}@${def.version}`, ajv.compile(def.schema));
}
for (const def of Object.values(HISTORIC)) {
  dataValidators.set(`${def.type}@${def.version}`, ajv.compile(def.schema));
}

function ajvErrors(v: ValidateFunction, root: string): { path: string; message: string }[] {
  return (v.errors ?? []).map((e) => ({ path: `${root}${e.instancePath}`, message: e.message ?? 'is invalid' }));
}

/** Checks an event about to be appended: envelope shape, a known type at its current version, valid data. */
export function validateEvent(candidate: unknown): MarshalEvent {
  if (!validateEnvelope(candidate)) {
    const errors = ajvErrors(validateEnvelope, '');
    throw new EventValidationError(`invalid event envelope: ${errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`, errors);
  }
  const env = candidate as EventEnvelope;
  if (!isEventType(env.type)) {
    throw new EventValidationError(`unknown event type '${env.type}'`, [{ path: '/type', message: `unknown event type '${env.type}'` }]);
  }
  const current = EVENTS[env.type].version;
  if (env.version !== current) {
    throw new EventValidationError(`event ${env.type} must be appended at version ${current}, got ${env.version}`, [
      { path: '/version', message: `expected ${current}` },
    ]);
  }
  const validate = dataValidators.get(`${env.type}@${current}`) as ValidateFunction;
  if (!validate(env.data)) {
    const errors = ajvErrors(validate, '/data');
    throw new EventValidationError(`invalid ${env.type} event: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
  }
  return env as MarshalEvent;
}

/**
 * Checks an event read back from the log against the schema of the version it was written at (current or historic):
 * what a stored log is tested with before it is upcast.
 */
export function validateRecordedEvent(candidate: unknown): EventEnvelope {
  if (!validateEnvelope(candidate)) {
    const errors = ajvErrors(validateEnvelope, '');
    throw new EventValidationError(`invalid event envelope: ${errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`, errors);
  }
  const env = candidate as EventEnvelope;
  const validate = dataValidators.get(`${env.type}@${env.version}`);
  if (!validate) {
    throw new EventValidationError(`the catalogue has no ${env.type} version ${env.version}`, [{ path: '/version', message: `unknown version of ${env.type}` }]);
  }
  if (!validate(env.data)) {
    const errors = ajvErrors(validate, '/data');
    throw new EventValidationError(`invalid ${env.type} v${env.version} event: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
  }
  return env;
}

/** Brings an event read from the log to the current version of its type. Unknown types are returned untouched. */
export function upcast(env: EventEnvelope): EventEnvelope {
  if (!isEventType(env.type)) return env;
  const current = EVENTS[env.type].version;
  let { version, data } = env;
  while (version < current) {
    const step = UPCASTERS[`${env.type}@${version}`];
    if (!step) throw new Error(`no upcaster for ${env.type} version ${version}`);
    data = step(data);
    version += 1;
  }
  return version === env.version ? env : { ...env, version, data };
}
