import {
  agentAggregate,
  podInstanceName,
  requirementName,
  makeEvent,
  subjectsFor,
  type Candidate,
  type EventData,
  type EventType,
  type HealthCheckSpec,
  type MarshalEvent,
  type MountDisk,
  type NetworkSpec,
  type PodSpec,
  type PortSpec,
  type Proposal,
  type ReadinessCheckSpec,
  type RecoveryType,
  type ResourceSetSpec,
  type TaskSpec,
  type VolumeSpec,
} from '@marshal/contracts';
import { applyToLedger, emptyLedger, evaluate, toReservation, type EvaluationResult, type Ledger } from '../src';

/** Builders for the offer lib's tests: pod specs as the spec lib would normalise them, and a ledger fed by events. */

export interface TaskOpts {
  name: string;
  cpus?: number;
  memory?: number;
  gpus?: number;
  ports?: PortSpec[];
  volumes?: VolumeSpec[];
  /** Use this explicit resource set instead of inline resources. */
  resourceSet?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
  configs?: TaskSpec['configs'];
  healthCheck?: HealthCheckSpec;
  readinessCheck?: ReadinessCheckSpec;
  goal?: TaskSpec['goal'];
  killGracePeriod?: number;
}

export interface PodOpts {
  tasks?: TaskOpts[];
  count?: number;
  placement?: string;
  volumes?: VolumeSpec[];
  resourceSets?: ResourceSetSpec[];
  networks?: NetworkSpec[];
  uris?: string[];
  rlimits?: PodSpec['rlimits'];
}

export function port(name: string, value: number, extra: Partial<PortSpec> = {}): PortSpec {
  return { name, port: value, advertise: false, ranges: [], ...extra };
}

export function volume(path: string, size: number, type: VolumeSpec['type'] = 'ROOT', profiles: string[] = []): VolumeSpec {
  return { path, type, size, profiles };
}

export function resourceSet(id: string, opts: Omit<Partial<ResourceSetSpec>, 'id'> = {}): ResourceSetSpec {
  return { id, ports: [], volumes: [], ...opts };
}

export function pod(type: string, opts: PodOpts = {}): PodSpec {
  const taskOpts = opts.tasks ?? [{ name: 'server', cpus: 1, memory: 256 }];
  const resourceSets: ResourceSetSpec[] = [...(opts.resourceSets ?? [])];
  const tasks: TaskSpec[] = taskOpts.map((t) => {
    let rsId = t.resourceSet;
    if (!rsId) {
      rsId = `${t.name}-resource-set`;
      const rs: ResourceSetSpec = { id: rsId, ports: t.ports ?? [], volumes: t.volumes ?? [] };
      if (t.cpus !== undefined) rs.cpus = t.cpus;
      if (t.memory !== undefined) rs.memory = t.memory;
      if (t.gpus !== undefined) rs.gpus = t.gpus;
      resourceSets.push(rs);
    }
    const spec: TaskSpec = {
      name: t.name,
      goal: t.goal ?? 'RUNNING',
      essential: true,
      cmd: `echo ${t.name}`,
      env: t.env ?? {},
      labels: t.labels ?? {},
      resourceSet: rsId,
      configs: t.configs ?? [],
      killGracePeriod: t.killGracePeriod ?? 0,
      transportEncryption: [],
    };
    if (t.healthCheck) spec.healthCheck = t.healthCheck;
    if (t.readinessCheck) spec.readinessCheck = t.readinessCheck;
    return spec;
  });
  const spec: PodSpec = {
    type,
    count: opts.count ?? 1,
    allowDecommission: false,
    user: 'root',
    networks: opts.networks ?? [],
    rlimits: opts.rlimits ?? [],
    uris: opts.uris ?? [],
    preReservedRole: '*',
    secrets: [],
    sharePidNamespace: false,
    hostVolumes: [],
    externalVolumes: [],
    volumes: opts.volumes ?? [],
    resourceSets,
    tasks,
  };
  if (opts.placement !== undefined) spec.placement = opts.placement;
  return spec;
}

export function candidate(
  podType: string,
  podIndex: number,
  tasks: string[] = ['server'],
  opts: { recoveryType?: RecoveryType; environment?: Record<string, string>; service?: string } = {},
): Candidate {
  return {
    service: opts.service ?? 'hello-world',
    configId: 'config-1',
    plan: 'deploy',
    kind: opts.recoveryType && opts.recoveryType !== 'NONE' ? 'recovery' : 'deployment',
    phaseId: `phase-${podType}`,
    phase: podType,
    stepId: `step-${podInstanceName(podType, podIndex)}`,
    step: requirementName({ podType, podIndex, tasks }),
    status: 'PENDING',
    podType,
    podIndex,
    tasks,
    recoveryType: opts.recoveryType ?? 'NONE',
    environment: opts.environment ?? {},
    tasksToKill: [],
  };
}

export interface AgentOpts {
  hostname?: string;
  cpus?: number;
  memory?: number;
  disk?: number;
  gpus?: number;
  ports?: [number, number][];
  mounts?: MountDisk[];
  attributes?: Record<string, string>;
  zone?: string;
  region?: string;
}

/** A ledger and the event stream that feeds it, numbered like a JetStream stream. */
export class World {
  readonly ledger: Ledger = emptyLedger();
  readonly pods = new Map<string, PodSpec>();
  private seq = 0;
  private reservations = 0;

  constructor(readonly service = 'hello-world') {}

  addPod(spec: PodSpec): this {
    this.pods.set(spec.type, spec);
    return this;
  }

  emit<T extends EventType>(type: T, agentId: string, data: EventData<T>): void {
    this.seq += 1;
    const event = makeEvent(type, agentAggregate(agentId), data, {
      id: `evt-${this.seq}`,
      at: '2026-01-01T00:00:00.000Z',
      correlationId: 'test',
      causationId: null,
      actor: 'service:test',
    }) as MarshalEvent;
    applyToLedger(this.ledger, { seq: this.seq, subject: subjectsFor().agent(agentId), event });
  }

  register(agentId: string, opts: AgentOpts = {}): this {
    const data: EventData<'AgentRegistered'> = {
      agentId,
      hostname: opts.hostname ?? agentId,
      attributes: opts.attributes ?? {},
      resources: {
        cpus: opts.cpus ?? 4,
        memory: opts.memory ?? 4096,
        disk: opts.disk ?? 10000,
        gpus: opts.gpus ?? 0,
        ports: (opts.ports ?? [[10000, 10100]]).map(([begin, end]) => ({ begin, end })),
        mounts: opts.mounts ?? [],
      },
    };
    if (opts.zone !== undefined) data.zone = opts.zone;
    if (opts.region !== undefined) data.region = opts.region;
    this.emit('AgentRegistered', agentId, data);
    return this;
  }

  lose(agentId: string): this {
    this.emit('AgentLost', agentId, { agentId, lastSeen: '2026-01-01T00:00:00.000Z', reason: 'test' });
    return this;
  }

  /** Commits a proposal the way the coordinator does: `ResourcesReserved` on the agent's subject. */
  commit(c: Candidate, proposal: Proposal): string {
    const spec = this.pods.get(c.podType);
    if (!spec) throw new Error(`no pod spec '${c.podType}' in this world`);
    const reservationId = proposal.existingReservationId ?? `res-${++this.reservations}`;
    this.emit('ResourcesReserved', proposal.agentId, {
      agentId: proposal.agentId,
      reservationId,
      service: c.service,
      podType: c.podType,
      podIndex: c.podIndex,
      ...toReservation(proposal, spec),
    });
    return reservationId;
  }

  /** Reserves a pod instance's footprint directly on an agent (for placement tests that need stored tasks). */
  reserveOn(agentId: string, podType: string, podIndex: number, service = this.service): string {
    const reservationId = `res-${++this.reservations}`;
    this.emit('ResourcesReserved', agentId, {
      agentId,
      reservationId,
      service,
      podType,
      podIndex,
      resources: { cpus: 0, memory: 0, disk: 0, gpus: 0 },
      ports: [],
      volumes: [],
    });
    return reservationId;
  }

  release(agentId: string, reservationId: string): this {
    this.emit('ResourcesReleased', agentId, { agentId, reservationId, service: this.service, reason: 'test' });
    return this;
  }

  evaluate(c: Candidate, maxOutcomes?: number): EvaluationResult {
    const spec = this.pods.get(c.podType);
    if (!spec) throw new Error(`no pod spec '${c.podType}' in this world`);
    return evaluate({ candidate: c, pod: spec, ledger: this.ledger, servicePods: this.pods, maxOutcomes });
  }

  /** Evaluates and commits; returns the result and the reservation id (undefined when nothing fit). */
  place(c: Candidate): EvaluationResult & { reservationId?: string } {
    const result = this.evaluate(c);
    return result.proposal ? { ...result, reservationId: this.commit(c, result.proposal) } : result;
  }
}
