import type { PodSpec, ServiceSpec, TaskSpec, VolumeSpec } from '@marshal/contracts';
import { checkServiceSpec, PORT_MAPPING_NETWORKS, taskPath } from '../service-yaml/check-service-spec';
import type { ValidationError } from '../validation-error';
import { canonicalJson } from '../compare/canonical-json';

/**
 * The configuration validators of the original (reference §4.8, DefaultConfigValidators), run on every
 * submission with (current target or null, candidate). Capability gates of the DC/OS cluster
 * (PodSpecsCannotUseUnsupportedFeatures, TaskSpecsCannotUseUnsupportedFeatures, DomainCapabilityValidator,
 * TLSRequiresServiceAccount) have no counterpart in Marshal and are not run.
 */
export type ConfigValidator = (previous: ServiceSpec | null, candidate: ServiceSpec) => ValidationError[];

export interface ValidationContext {
  /** The "deployment completed" bit of the service (reference §3.3, §2.7). */
  deploymentCompleted: boolean;
  /** Framework-specific validators, run after the default ones (e.g. taskEnvCannotChange, zoneCannotChange). */
  extraValidators?: readonly ConfigValidator[];
}

const MAX_SERVICE_NAME_LENGTH = 63;

export const serviceNameCannotContainDoubleUnderscores: ConfigValidator = (_prev, next) =>
  next.name.includes('__') ? [{ path: 'name', message: `Service name may not contain double underscores: ${next.name}` }] : [];

export const podSpecsCannotShrink: ConfigValidator = (prev, next) => {
  if (!prev) return [];
  const errors: ValidationError[] = [];
  const newPods = new Map<string, PodSpec>();
  for (const pod of next.pods) {
    if (newPods.has(pod.type)) return [{ path: 'pods', message: 'Duplicate pod types detected.' }];
    newPods.set(pod.type, pod);
  }
  for (const oldPod of prev.pods) {
    const newPod = newPods.get(oldPod.type);
    if (!newPod) {
      // reference §3.8.4: removing a pod type needs allow-decommission on the *old* pod.
      if (!oldPod.allowDecommission) {
        errors.push({
          path: `pods.${oldPod.type}`,
          message: `New config is missing PodSpec named '${oldPod.type}' (expected present with >= ${oldPod.count} tasks)`,
        });
      }
      continue;
    }
    // reference §3.8.4: scaling in needs allow-decommission on the *new* pod.
    if (newPod.count < oldPod.count && !newPod.allowDecommission) {
      errors.push({
        path: `pods.${newPod.type}.count`,
        message: `New config's PodSpec named '${newPod.type}' has ${newPod.count} tasks, expected >=${oldPod.count} tasks`,
      });
    }
  }
  return errors;
};

/** Pods with no networks, or on a port-mapping network, reserve host ports (reference §4.3.1). */
export function podUsesHostPorts(pod: PodSpec): boolean {
  return pod.networks.length === 0 || pod.networks.some((n) => PORT_MAPPING_NETWORKS.has(n.name));
}

function networkNames(pod: PodSpec): string {
  return pod.networks.length === 0 ? '[] (host)' : `[${pod.networks.map((n) => n.name).join(', ')}]`;
}

export const podSpecsCannotChangeNetworkRegime: ConfigValidator = (prev, next) => {
  if (!prev) return [];
  const errors: ValidationError[] = [];
  const oldPods = new Map(prev.pods.map((p) => [p.type, p]));
  for (const newPod of next.pods) {
    const offending = newPod.networks.filter((n) => !PORT_MAPPING_NETWORKS.has(n.name) && n.hostPorts.length > 0).map((n) => n.name);
    if (offending.length > 0) {
      errors.push({
        path: `pods.${newPod.type}.networks`,
        message: `New config has pod ${newPod.type} that indicates port mapping for virtual network(s) ${offending.join(', ')}, that do not support port mapping.`,
      });
    }
    const oldPod = oldPods.get(newPod.type);
    if (oldPod && podUsesHostPorts(oldPod) !== podUsesHostPorts(newPod)) {
      errors.push({
        path: `pods.${newPod.type}.networks`,
        message:
          `New config has pod ${newPod.type} moving networks from ${networkNames(oldPod)} to ${networkNames(newPod)}, ` +
          `changing its host ports requirements from ${podUsesHostPorts(oldPod)} to ${podUsesHostPorts(newPod)}, not allowed.`,
      });
    }
  }
  return errors;
};

export const preReservationCannotChange: ConfigValidator = (prev, next) => {
  if (!prev) return [];
  const newPods = new Map(next.pods.map((p) => [p.type, p]));
  return prev.pods.flatMap((oldPod) => {
    const newPod = newPods.get(oldPod.type);
    if (!newPod || newPod.preReservedRole === oldPod.preReservedRole) return [];
    return [
      {
        path: `pods.${oldPod.type}.pre-reserved-role`,
        message: `New config has changed the pre-reserved-role of PodSpec named '${oldPod.type}' (expected it to stay '${oldPod.preReservedRole}')`,
      },
    ];
  });
};

export const userCannotChange: ConfigValidator = (prev, next) => {
  if (!prev) return [];
  const errors: ValidationError[] = [];
  if (prev.user !== next.user) {
    errors.push({
      path: 'scheduler.user',
      message:
        `INVALID CONFIGURATION UPDATE. Cannot change user of deployed service from '${prev.user}' to '${next.user}'.\n` +
        `Revert to previous user '${prev.user}' to proceed. Current set of configuration updates will NOT be applied.`,
    });
  }
  const oldPods = new Map(prev.pods.map((p) => [p.type, p]));
  for (const newPod of next.pods) {
    const oldPod = oldPods.get(newPod.type);
    if (oldPod && oldPod.user !== newPod.user) {
      errors.push({
        path: `pods.${newPod.type}.user`,
        message:
          `INVALID CONFIGURATION UPDATE. Cannot change existing pod type user from '${oldPod.user}' to '${newPod.user}'.\n` +
          'Pod type user must remain the same across deployments. ' +
          `Revert to previous user '${oldPod.user}' to proceed. Current set of configuration updates will NOT be applied.`,
      });
    }
  }
  return errors;
};

/** A placement is a string here; its syntax is the offer lib's business (reference §5.5). */
export const placementRuleIsValid: ConfigValidator = (_prev, next) =>
  next.pods
    .filter((p) => p.placement !== undefined && typeof p.placement !== 'string')
    .map((p) => ({ path: `pods.${p.type}.placement`, message: `The PlacementRule for PodSpec '${p.type}' had invalid constraints` }));

export const regionCannotChange: ConfigValidator = (prev, next) => {
  if (!prev || prev.region === next.region) return [];
  return [
    {
      path: 'region',
      message: `Region for old service must remain the same across deployments: '${prev.region ?? ''}' => '${next.region ?? ''}'.`,
    },
  ];
};

/** A name that breaks DNS fails a first install only; the original merely warned on updates. */
export const serviceNameCannotBreakDNS: ConfigValidator = (prev, next) => {
  if (prev || next.name.replace(/\//g, '').length <= MAX_SERVICE_NAME_LENGTH) return [];
  return [
    {
      path: 'name',
      message:
        'Service name (without slashes) exceeds 63 characters. In order for service DNS to work correctly, ' +
        'the service name (without slashes) must not exceed 63 characters',
    },
  ];
};

/** DecimalFormat("#.###"). */
function shortNumber(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

export const resourceLimitsMustExceedRequestedResources: ConfigValidator = (_prev, next) => {
  const errors: ValidationError[] = [];
  for (const pod of next.pods) {
    for (const task of pod.tasks) {
      const rs = pod.resourceSets.find((r) => r.id === task.resourceSet);
      const limits = rs?.resourceLimits;
      if (!rs || !limits) continue;
      for (const [key, resource, request] of [
        ['cpus', 'cpus', rs.cpus ?? 0],
        ['memory', 'mem', rs.memory ?? 0],
      ] as const) {
        const limit = limits[key];
        if (limit === undefined || limit === 'unlimited') continue;
        if (limit < request) {
          errors.push({
            path: `${taskPath(pod, task)}.resource-limits.${key}`,
            message: `The ${resource} resource-limits for task '${task.name}', ${shortNumber(limit)}, is less than the requested amount, ${shortNumber(request)}`,
          });
        }
      }
    }
  }
  return errors;
};

function tasksByKey(spec: ServiceSpec, errors: ValidationError[]): Map<string, { pod: PodSpec; task: TaskSpec }> {
  const out = new Map<string, { pod: PodSpec; task: TaskSpec }>();
  for (const pod of spec.pods) {
    for (const task of pod.tasks) {
      const key = `${pod.type}-${task.name}`;
      if (out.has(key)) {
        errors.push({ path: taskPath(pod, task), message: `Duplicate TaskSpecifications named '${task.name}' in Service '${spec.name}'` });
      }
      out.set(key, { pod, task });
    }
  }
  return out;
}

function taskVolumes(pod: PodSpec, task: TaskSpec): VolumeSpec[] {
  return pod.resourceSets.find((r) => r.id === task.resourceSet)?.volumes ?? [];
}

/** Volumes as a multiset: order in the YAML does not matter, content does. */
function sameVolumes(a: readonly VolumeSpec[], b: readonly VolumeSpec[]): boolean {
  const key = (v: VolumeSpec) => canonicalJson(v);
  return canonicalJson(a.map(key).sort()) === canonicalJson(b.map(key).sort());
}

function describeVolumes(vs: readonly VolumeSpec[]): string {
  return `[${vs.map((v) => `${v.path} ${v.type} ${v.size}MB${v.profiles.length ? ` profiles=${v.profiles.join('|')}` : ''}`).join(', ')}]`;
}

export const taskVolumesCannotChange: ConfigValidator = (prev, next) => {
  const errors: ValidationError[] = [];
  const oldTasks = prev ? tasksByKey(prev, errors) : new Map<string, { pod: PodSpec; task: TaskSpec }>();
  const newTasks = tasksByKey(next, errors);
  for (const [key, old] of oldTasks) {
    const now = newTasks.get(key);
    if (!now) continue;
    const before = taskVolumes(old.pod, old.task);
    const after = taskVolumes(now.pod, now.task);
    if (!sameVolumes(before, after)) {
      errors.push({
        path: `${taskPath(now.pod, now.task)}.volumes`,
        message: `Volumes must be equal. Task '${now.task.name}' had ${describeVolumes(before)}, the new config has ${describeVolumes(after)}`,
      });
    }
  }
  return errors;
};

export const serviceRoleCannotChangeOnIncompleteDeployment: ConfigValidator = (prev, next) => {
  if (!prev || prev.role === next.role) return [];
  return [
    {
      path: 'role',
      message:
        `Detected service role change on an incomplete previous deployment ('${prev.role}' => '${next.role}'). ` +
        'Resolve previous deployment issues before issuing role change. Downgrade the service to the previous version if the issue persists.',
    },
  ];
};

/** DefaultConfigValidators, in the original's order. */
export const DEFAULT_VALIDATORS: readonly ConfigValidator[] = [
  serviceNameCannotContainDoubleUnderscores,
  podSpecsCannotShrink,
  podSpecsCannotChangeNetworkRegime,
  preReservationCannotChange,
  userCannotChange,
  placementRuleIsValid,
  regionCannotChange,
  serviceNameCannotBreakDNS,
  resourceLimitsMustExceedRequestedResources,
];

/** getRoleValidators(hasRoleChanged, hasCompletedDeployment) (reference §4.8). */
export function roleValidators(previous: ServiceSpec | null, candidate: ServiceSpec, deploymentCompleted: boolean): ConfigValidator[] {
  const roleChanged = previous !== null && previous.role !== candidate.role;
  if (!roleChanged) return [taskVolumesCannotChange];
  return deploymentCompleted ? [] : [serviceRoleCannotChangeOnIncompleteDeployment];
}

/**
 * Update validators of §4.8 against the current target (null on first install), with the construction-time
 * checks of the candidate included. Every error is returned; an empty list means the candidate may become the
 * target.
 */
export function validateConfiguration(previous: ServiceSpec | null, candidate: ServiceSpec, ctx: ValidationContext): ValidationError[] {
  const errors: ValidationError[] = [...checkServiceSpec(candidate).errors];
  const validators = [...DEFAULT_VALIDATORS, ...roleValidators(previous, candidate, ctx.deploymentCompleted), ...(ctx.extraValidators ?? [])];
  for (const v of validators) errors.push(...v(previous, candidate));
  return errors;
}

export type TaskEnvRule = 'ALLOW_UNSET_TO_SET' | 'ALLOW_SET_TO_UNSET';

/**
 * Optional validator (reference §4.8, TaskEnvCannotChange): env var `envName` of task `podType`/`taskName` may not
 * change; unset and empty are the same. Rules relax unset→set and set→unset.
 */
export function taskEnvCannotChange(podType: string, taskName: string, envName: string, rules: readonly TaskEnvRule[] = []): ConfigValidator {
  const read = (spec: ServiceSpec): string | undefined => {
    const v = spec.pods.find((p) => p.type === podType)?.tasks.find((t) => t.name === taskName)?.env[envName];
    return v === '' ? undefined : v;
  };
  return (prev, next) => {
    if (!prev) return [];
    const before = read(prev);
    const after = read(next);
    const path = `pods.${podType}.tasks.${taskName}.env.${envName}`;
    if (before === after) return [];
    if (before === undefined) {
      return rules.includes('ALLOW_UNSET_TO_SET') ? [] : [{ path, message: `Env value ${envName} cannot change from unset to set` }];
    }
    if (after === undefined) {
      return rules.includes('ALLOW_SET_TO_UNSET') ? [] : [{ path, message: `Env value ${envName} cannot be unset after being set` }];
    }
    return [{ path, message: `Env value ${envName} cannot change` }];
  };
}

/** Optional validator (reference §4.8, ZoneValidator): pods may not start or stop referencing `@zone` in placement. */
export function zoneCannotChange(...podTypes: string[]): ConfigValidator {
  const usesZone = (pod: PodSpec | undefined) => (pod?.placement ?? '').includes('@zone');
  return (prev, next) => {
    if (!prev) return [];
    return podTypes.flatMap((type) => {
      const before = prev.pods.find((p) => p.type === type);
      const after = next.pods.find((p) => p.type === type);
      if (!before || !after || usesZone(before) === usesZone(after)) return [];
      return [{ path: `pods.${type}.placement`, message: `Zone placement of pod '${type}' cannot change (from ${usesZone(before)} to ${usesZone(after)})` }];
    });
  };
}
