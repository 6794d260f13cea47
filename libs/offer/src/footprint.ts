import {
  MarshalError,
  type AllocatedVolume,
  type PodSpec,
  type PortSpec,
  type Proposal,
  type ResourceSetSpec,
  type ScalarResources,
  type TaskSpec,
  type VolumeSpec,
} from '@marshal/contracts';
import { fromMilli, toMilli, type Milli } from './ledger';

/**
 * A pod instance's footprint (reference §5.2.1): every distinct resource set used by the pod's tasks, taken in
 * sorted task-name order, plus the pod-level volumes. One reservation covers all of it. The walk order fixed here is
 * the order of a Proposal's `ports` (resource sets in order, ports in declaration order) and `volumes` (pod volumes,
 * then each resource set's volumes); `buildTaskInfos` relies on it.
 */
export interface FootprintResourceSet {
  spec: ResourceSetSpec;
  /** Task specs using this resource set, sorted by name. */
  tasks: TaskSpec[];
  portOffset: number;
  volumeOffset: number;
}

export interface FootprintPort {
  spec: PortSpec;
}

export interface FootprintVolume {
  spec: VolumeSpec;
  podLevel: boolean;
}

export interface Footprint {
  resourceSets: FootprintResourceSet[];
  ports: FootprintPort[];
  volumes: FootprintVolume[];
  /** Pods with no network, or on a port-mapping network, reserve host ports (reference §4.3.1). */
  usesHostPorts: boolean;
  /** Scalars of the whole footprint; `disk` is the sum of ROOT volume sizes. */
  required: Milli;
}

/** Networks that map container ports to host ports (reference §4.3.1); every other network is virtual. */
const PORT_MAPPING_NETWORKS = new Set(['mesos-bridge']);

export const usesHostPorts = (pod: PodSpec): boolean =>
  pod.networks.length === 0 || pod.networks.some((n) => PORT_MAPPING_NETWORKS.has(n.name));

const footprints = new WeakMap<PodSpec, Footprint>();

export function footprintOf(pod: PodSpec): Footprint {
  let fp = footprints.get(pod);
  if (!fp) {
    fp = computeFootprint(pod);
    footprints.set(pod, fp);
  }
  return fp;
}

const byName = (a: TaskSpec, b: TaskSpec): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function computeFootprint(pod: PodSpec): Footprint {
  const sets = new Map<string, FootprintResourceSet>();
  const resourceSets: FootprintResourceSet[] = [];
  for (const task of [...pod.tasks].sort(byName)) {
    let entry = sets.get(task.resourceSet);
    if (!entry) {
      const spec = pod.resourceSets.find((rs) => rs.id === task.resourceSet);
      if (!spec) {
        throw new MarshalError(
          'INVALID_ARGUMENT',
          `task '${task.name}' of pod '${pod.type}' uses resource set '${task.resourceSet}', which the pod does not define`,
          [{ path: `pods.${pod.type}.tasks.${task.name}.resource-set`, message: `unknown resource set '${task.resourceSet}'` }],
        );
      }
      entry = { spec, tasks: [], portOffset: 0, volumeOffset: 0 };
      sets.set(task.resourceSet, entry);
      resourceSets.push(entry);
    }
    entry.tasks.push(task);
  }
  const volumes: FootprintVolume[] = pod.volumes.map((spec) => ({ spec, podLevel: true }));
  const ports: FootprintPort[] = [];
  const required: Milli = { cpus: 0, memory: 0, disk: 0, gpus: 0 };
  const addRootDisk = (v: VolumeSpec): void => {
    if (v.type === 'ROOT') required.disk += toMilli(v.size);
  };
  pod.volumes.forEach(addRootDisk);
  for (const entry of resourceSets) {
    entry.portOffset = ports.length;
    entry.volumeOffset = volumes.length;
    for (const spec of entry.spec.ports) {
      ports.push({ spec });
    }
    for (const spec of entry.spec.volumes) {
      volumes.push({ spec, podLevel: false });
      addRootDisk(spec);
    }
    required.cpus += toMilli(entry.spec.cpus ?? 0);
    required.memory += toMilli(entry.spec.memory ?? 0);
    required.gpus += toMilli(entry.spec.gpus ?? 0);
  }
  return { resourceSets, ports, volumes, usesHostPorts: usesHostPorts(pod), required };
}

/** Scalars one resource set reserves; `disk` = its ROOT volume sizes. */
export function resourceSetScalars(rs: ResourceSetSpec): ScalarResources {
  const disk = rs.volumes.reduce((sum, v) => sum + (v.type === 'ROOT' ? toMilli(v.size) : 0), 0);
  return { cpus: rs.cpus ?? 0, memory: rs.memory ?? 0, disk: fromMilli(disk), gpus: rs.gpus ?? 0 };
}

/**
 * What a committed Proposal reserves on its agent: the data of the `ResourcesReserved` event (but the ids).
 * Ports are reserved only when the pod uses host ports; ports on a virtual network are not the agent's.
 */
export function toReservation(
  proposal: Proposal,
  pod: PodSpec,
): { resources: ScalarResources; ports: number[]; volumes: AllocatedVolume[] } {
  return {
    resources: { ...proposal.resources },
    ports: usesHostPorts(pod) ? proposal.ports.map((p) => p.port) : [],
    volumes: proposal.volumes.map((v) => ({ ...v })),
  };
}
