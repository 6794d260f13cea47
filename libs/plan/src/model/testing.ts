import type { PodSpec, ServiceSpec, Status, TaskSpec } from '@marshal/contracts';
import { requirementName } from '@marshal/contracts';
import { parallelStrategy, serialStrategy } from './strategy';
import type { PhaseModel, PlanModel, Requirement, StepModel, StrategyModel } from '@marshal/contracts';

/** Test fixtures for this lib's specs (not exported from the package). */

export function idGenerator(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

/** A deployment step on `pod-<index>:[task]`, with the given internal status. */
export function deployStep(id: string, status: Status = 'PENDING', extra: Partial<StepModel> & { podIndex?: number; tasks?: string[] } = {}): StepModel {
  const { podIndex, tasks, ...rest } = extra;
  const requirement: Requirement = { podType: 'pod', podIndex: podIndex ?? Number(id.replace(/\D/g, '') || 0), tasks: tasks ?? ['task'], recoveryType: 'NONE' };
  return {
    id,
    name: requirementName(requirement),
    kind: 'deployment',
    status,
    interrupted: false,
    requirement,
    errors: status === 'ERROR' ? ['error'] : [],
    parameters: {},
    launched: [],
    prepared: false,
    ...rest,
  };
}

export function phaseOf(id: string, steps: StepModel[], strategy?: StrategyModel): PhaseModel {
  return { id, name: id, strategy: strategy ?? serialStrategy(steps), steps };
}

export function parallelPhase(id: string, steps: StepModel[]): PhaseModel {
  return phaseOf(id, steps, parallelStrategy());
}

export function planOf(name: string, phases: PhaseModel[], opts: { interrupted?: boolean; parallel?: boolean } = {}): PlanModel {
  const strategy = opts.parallel ? parallelStrategy() : serialStrategy(phases.map((p) => ({ id: p.id, status: 'PENDING' as Status })));
  return { name, strategy: { ...strategy, interrupted: opts.interrupted ?? false }, phases, errors: [] };
}

export function task(name: string, extra: Partial<TaskSpec> = {}): TaskSpec {
  return {
    name,
    goal: 'RUNNING',
    essential: true,
    cmd: `./${name}`,
    env: {},
    labels: {},
    resourceSet: `${name}-resource-set`,
    configs: [],
    killGracePeriod: 0,
    transportEncryption: [],
    ...extra,
  };
}

export function pod(type: string, count: number, tasks: TaskSpec[], extra: Partial<PodSpec> = {}): PodSpec {
  return {
    type,
    count,
    allowDecommission: false,
    user: 'root',
    networks: [],
    rlimits: [],
    uris: [],
    preReservedRole: '*',
    secrets: [],
    sharePidNamespace: false,
    hostVolumes: [],
    externalVolumes: [],
    volumes: [],
    resourceSets: tasks.map((t) => ({ id: t.resourceSet, cpus: 0.1, memory: 32, ports: [], volumes: [] })),
    tasks,
    ...extra,
  };
}

export function serviceSpec(pods: PodSpec[], plans: ServiceSpec['plans'] = []): ServiceSpec {
  return { name: 'hello-world', role: 'hello-world-role', principal: 'hello-world-principal', user: 'root', zookeeper: 'master.mesos:2181', pods, plans };
}
