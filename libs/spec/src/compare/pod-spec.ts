import { createHash } from 'node:crypto';
import type { PodSpec, ServiceSpec } from '@marshal/contracts';
import { canonicalJson } from './canonical-json';

/**
 * What an existing pod instance cares about (reference §3.8.2 step 4): its pod spec without `count`, `placement`
 * and `allowDecommission`. Resource roles are service-level in a Marshal spec, so they are already outside.
 */
export function relaunchRelevantPod(pod: PodSpec): Omit<PodSpec, 'count' | 'placement' | 'allowDecommission'> {
  const { count: _count, placement: _placement, allowDecommission: _allow, ...rest } = pod;
  return rest;
}

/**
 * §3.8.2 step 4: must existing instances of `podType` relaunch when going from `previous` to `next`?
 * True when the pod spec differs ignoring count, placement and allow-decommission (and when the pod type is
 * missing on either side: there is nothing to keep).
 */
export function podSpecChanged(previous: ServiceSpec, next: ServiceSpec, podType: string): boolean {
  const before = previous.pods.find((p) => p.type === podType);
  const after = next.pods.find((p) => p.type === podType);
  if (!before || !after) return true;
  return canonicalJson(relaunchRelevantPod(before)) !== canonicalJson(relaunchRelevantPod(after));
}

/**
 * Stable hash (sha256, hex) of everything about one task that forces its relaunch when it changes: the task spec,
 * the resource set it uses and the pod-level settings its container gets (image, networks, rlimits, uris, secrets,
 * volumes, host and external volumes, user, pre-reserved role, pid/ipc/shm/seccomp). Count, placement and
 * allow-decommission are left out (reference §3.8.2). Throws when the pod or task does not exist.
 */
export function taskConfigHash(spec: ServiceSpec, podType: string, taskName: string): string {
  const pod = spec.pods.find((p) => p.type === podType);
  const task = pod?.tasks.find((t) => t.name === taskName);
  if (!pod || !task) throw new Error(`taskConfigHash: no task '${taskName}' in pod '${podType}' of service '${spec.name}'`);
  const { tasks: _tasks, resourceSets, ...podLevel } = relaunchRelevantPod(pod);
  const material = {
    service: spec.name,
    pod: podLevel,
    resourceSet: resourceSets.find((r) => r.id === task.resourceSet) ?? null,
    task,
  };
  return createHash('sha256').update(canonicalJson(material)).digest('hex');
}
