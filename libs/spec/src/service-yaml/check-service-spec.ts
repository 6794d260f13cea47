import type { PodSpec, PortSpec, ResourceSetSpec, ServiceSpec, TaskSpec, VolumeSpec } from '@marshal/contracts';
import type { SpecLimits } from '../limits';
import { Issues } from '../validation-error';

/**
 * Construction-time checks of the original (reference §4.3–4.5, §4.8 "Construction-time validation", §3.2 plan
 * rules) made on a normalized ServiceSpec, so they apply both to a freshly rendered svc.yml and to any spec handed
 * to `validateConfiguration`. Paths use YAML names: `pods.hello.tasks.server.ports.http`.
 */

export const RLIMIT_NAMES = [
  'RLIMIT_AS',
  'RLIMIT_CORE',
  'RLIMIT_CPU',
  'RLIMIT_DATA',
  'RLIMIT_FSIZE',
  'RLIMIT_LOCKS',
  'RLIMIT_MEMLOCK',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_NOFILE',
  'RLIMIT_NPROC',
  'RLIMIT_RSS',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
  'RLIMIT_SIGPENDING',
  'RLIMIT_STACK',
] as const;

/** Networks that map container ports to host ports (reference §4.3.1). */
export const PORT_MAPPING_NETWORKS: ReadonlySet<string> = new Set(['mesos-bridge']);

export const MAX_KILL_GRACE_PERIOD_SECONDS = 3600;
const VOLUME_PATH = /^[a-zA-Z0-9]+([a-zA-Z0-9_-]*)*$/;
const VOLUME_PROFILE = /^[a-zA-Z0-9_.-]{1,128}$/;
const RELATIVE_PATH = /^([.a-zA-Z0-9]+([.a-zA-Z0-9_-]*[/\\]*)*)$/;
const ABSOLUTE_PATH = /^(\/[.a-zA-Z0-9]+([.a-zA-Z0-9_-]*[/\\]*)*)$/;
const SECRET_FILE = /^([.a-zA-Z0-9]+([.a-zA-Z0-9_-]*[/\\]*)*)?$/;

export function podPath(pod: PodSpec): string {
  return `pods.${pod.type}`;
}

export function taskPath(pod: PodSpec, task: TaskSpec): string {
  return `pods.${pod.type}.tasks.${task.name}`;
}

/** Inline task resources live at the task's path; explicit sets under `resource-sets`. */
export function resourceSetPath(pod: PodSpec, rs: ResourceSetSpec): string {
  const owner = pod.tasks.find((t) => t.resourceSet === rs.id && rs.id === `${t.name}-resource-set`);
  const explicit = owner === undefined;
  return explicit ? `pods.${pod.type}.resource-sets.${rs.id}` : taskPath(pod, owner);
}

/**
 * With `limits`, also the bounds of pod instances (per type and per service); a spec already accepted is checked
 * without them, so a bound lowered later never invalidates a running service's target.
 */
export function checkServiceSpec(spec: ServiceSpec, limits?: Pick<SpecLimits, 'maxPodsPerType' | 'maxPodsPerService'>): Issues {
  const issues = new Issues();
  if (limits) checkPodCounts(spec, limits, issues);
  if (!spec.name) issues.error('name', "Missing required 'name' in Service Spec");
  if (spec.pods.length === 0) issues.error('pods', 'pods cannot be empty: a service needs at least one pod');

  const seenPods = new Set<string>();
  for (const pod of spec.pods) {
    if (seenPods.has(pod.type)) issues.error(podPath(pod), `pods cannot have any duplicates ([${pod.type}])`);
    seenPods.add(pod.type);
    checkPod(pod, issues);
  }
  checkDiscoveryPrefixes(spec, issues);
  checkAdvertisedPorts(spec, issues);
  checkPlans(spec, issues);
  return issues;
}

function checkPodCounts(spec: ServiceSpec, limits: Pick<SpecLimits, 'maxPodsPerType' | 'maxPodsPerService'>, issues: Issues): void {
  let total = 0;
  for (const pod of spec.pods) {
    if (!Number.isInteger(pod.count) || pod.count < 0) continue;
    total += pod.count;
    if (pod.count > limits.maxPodsPerType) {
      issues.error(`${podPath(pod)}.count`, `count is ${pod.count}; a pod type may have at most ${limits.maxPodsPerType} instances (MAX_PODS_PER_TYPE)`);
    }
  }
  if (total > limits.maxPodsPerService) {
    issues.error('pods', `the pods have ${total} instances in all; a service may have at most ${limits.maxPodsPerService} (MAX_PODS_PER_SERVICE)`);
  }
}

function checkPod(pod: PodSpec, issues: Issues): void {
  const p = podPath(pod);
  if (pod.type.trim() === '') issues.error(p, 'type cannot be blank or empty');
  if (!Number.isInteger(pod.count) || pod.count < 0) issues.error(`${p}.count`, `count cannot be less than 0, got ${pod.count}`);
  if (pod.image !== undefined && pod.image === '') issues.error(`${p}.image`, 'image cannot be empty');
  if (pod.preReservedRole === '') issues.error(`${p}.pre-reserved-role`, 'pre-reserved-role cannot be empty');
  if (pod.tasks.length === 0) issues.error(`${p}.tasks`, 'tasks cannot be empty: a pod needs at least one task');

  pod.uris.forEach((u, i) => {
    const problem = uriProblem(u);
    if (problem) issues.error(`${p}.uris[${i}]`, `Invalid URI '${u}': ${problem}`);
  });

  for (const r of pod.rlimits) checkRLimit(`${p}.rlimits.${r.name}`, r.name, r.soft, r.hard, issues);

  for (const n of pod.networks) {
    const np = `${p}.networks.${n.name}`;
    if (n.hostPorts.length !== n.containerPorts.length) {
      issues.error(np, 'You need to specify the same number of host ports and container ports');
    } else if (n.hostPorts.length > 0 && !PORT_MAPPING_NETWORKS.has(n.name)) {
      issues.error(np, `Virtual Network ${n.name} doesn't support container->host port mapping`);
    }
    [...n.hostPorts, ...n.containerPorts].forEach((port) => {
      if (port < 0 || port > 65535) issues.error(np, `port ${port} is out of range 0-65535`);
    });
  }

  for (const s of pod.secrets) {
    const sp = `${p}.secrets.${s.name}`;
    if (!s.secret) issues.error(`${sp}.secret`, 'secretPath cannot be empty');
    if (s.file !== undefined && !SECRET_FILE.test(s.file)) {
      issues.error(`${sp}.file`, `filePath must match pattern '${SECRET_FILE.source.slice(1, -1)}', got '${s.file}'`);
    }
  }

  for (const h of pod.hostVolumes) {
    const hp = `${p}.host-volumes.${h.name}`;
    if (!ABSOLUTE_PATH.test(h.hostPath)) {
      issues.error(`${hp}.host-path`, `host-path must be an absolute path matching '${ABSOLUTE_PATH.source.slice(1, -1)}', got '${h.hostPath}'`);
    }
    if (!RELATIVE_PATH.test(h.containerPath)) {
      issues.error(
        `${hp}.container-path`,
        `container-path must be a relative path matching '${RELATIVE_PATH.source.slice(1, -1)}', got '${h.containerPath}'`,
      );
    }
  }

  for (const x of pod.externalVolumes) {
    const xp = `${p}.external-volumes.${x.name}`;
    if (!x.containerPath) issues.error(`${xp}.container-path`, 'container-path cannot be empty');
    if (!x.driverName) issues.error(`${xp}.driver-name`, 'driver-name cannot be empty');
    const options = parseDriverOptions(x.driverOptions);
    if (typeof options === 'string') issues.error(`${xp}.driver-options`, options);
    else if (x.volumeName !== undefined && 'name' in options) {
      issues.error(xp, 'External volume name provided both in driver options and volume name field.');
    }
  }

  if (pod.seccompUnconfined === true && pod.seccompProfileName !== undefined) {
    issues.error(p, 'cannot specify seccomp-unconfined and seccomp-profile-name at the same time');
  }
  if (pod.ipcMode === 'SHARE_PARENT') issues.error(`${p}.ipc-mode`, 'Cannot specify SHARE_PARENT at pod level');
  if (pod.shmSize !== undefined && pod.shmSize < 0) issues.error(`${p}.shm-size`, 'shm-size cannot be less than 0');

  checkVolumes(`${p}`, pod.volumes, issues, false);

  for (const rs of pod.resourceSets) checkResourceSet(pod, rs, issues);

  const taskNames = new Set<string>();
  for (const task of pod.tasks) {
    if (!task.name) issues.error(`${p}.tasks`, `Empty name for TaskSpec in pod ${pod.type}`);
    else if (taskNames.has(task.name)) issues.error(taskPath(pod, task), `Duplicate task name in pod ${pod.type}: ${task.name}`);
    taskNames.add(task.name);
    checkTask(pod, task, issues);
  }
}

/** `k=v;k2=v2` (Portworx driver options, reference §4.3.4): a map, or the error text. */
export function parseDriverOptions(options: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  if (options === '') return out;
  for (const opt of javaSplit(options, ';')) {
    const kv = javaSplit(opt, '=');
    if (kv.length !== 2) return `Invalid driver option: [${kv.join(', ')}]`;
    out[kv[0]] = kv[1];
  }
  return out;
}

/** String#split of Java: trailing empty strings are dropped (`a=1;` → [`a=1`]). */
export function javaSplit(s: string, separator: string): string[] {
  const parts = s.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** RFC 2396 syntax as java.net.URI accepts it (reference §4.3 `uris`): null when fine, else the problem. */
export function uriProblem(uri: string): string | null {
  if (uri === '') return 'URI cannot be empty';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what java.net.URI rejects
  const bad = /[\s"<>\\^`{|}\u0000-\u001f\u007f]/.exec(uri);
  if (bad) return `illegal character ${JSON.stringify(bad[0])} at index ${bad.index}`;
  const pct = /%(?![0-9A-Fa-f]{2})/.exec(uri);
  if (pct) return `malformed escape pair at index ${pct.index}`;
  if ((uri.match(/#/g) ?? []).length > 1) return 'more than one fragment (#)';
  const colon = uri.indexOf(':');
  const slash = uri.indexOf('/');
  if (colon === 0) return 'expected scheme name at index 0';
  if (colon > 0 && (slash < 0 || colon < slash) && !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(uri.slice(0, colon))) {
    return `illegal character in scheme name '${uri.slice(0, colon)}'`;
  }
  return null;
}

/** reference §4.3 rlimits: valid name, both or neither set, soft ≤ hard, ≥ 0 or both -1 (unlimited). */
function checkRLimit(path: string, name: string, soft: number | undefined, hard: number | undefined, issues: Issues): void {
  if (!(RLIMIT_NAMES as readonly string[]).includes(name)) {
    issues.error(path, `${name} is not a valid rlimit, expected one of: [${RLIMIT_NAMES.join(', ')}]. See man setrlimit(2)`);
    return;
  }
  if ((soft === undefined) !== (hard === undefined)) {
    issues.error(path, 'soft and hard rlimits must be either both set or both unset');
    return;
  }
  if (soft === undefined || hard === undefined) return;
  if (soft > hard) issues.error(path, 'soft rlimit must be less than or equal to the hard rlimit');
  else if (soft < -1 || hard < -1) issues.error(path, 'soft and hard rlimits must be positive with the exception of -1 which represents unlimited.');
  else if ((soft === -1) !== (hard === -1)) issues.error(path, 'both soft and hard limits must be set to -1 which represents unlimited.');
}

function checkVolumes(path: string, volumes: readonly VolumeSpec[], issues: Issues, uniquePaths: boolean): void {
  const seen = new Set<string>();
  volumes.forEach((v) => {
    const vp = `${path}.volume[${v.path}]`;
    if (!VOLUME_PATH.test(v.path)) {
      issues.error(vp, `containerPath must match pattern '${VOLUME_PATH.source.slice(1, -1)}' (a single path segment), got '${v.path}'`);
    }
    if (!Number.isInteger(v.size) || v.size <= 0) {
      issues.error(vp, `Scalar resource value must be greater than zero: volume size ${v.size} (MB) for path '${v.path}'`);
    }
    if (v.type === 'ROOT' && v.profiles.length > 0) {
      issues.error(vp, `Provided volume type '${v.type}' for path '${v.path}' cannot have profiles`);
    }
    v.profiles.forEach((profile, i) => {
      if (!VOLUME_PROFILE.test(profile)) {
        issues.error(vp, `profiles[${i}] must match pattern '${VOLUME_PROFILE.source.slice(1, -1)}', got '${profile}'`);
      }
    });
    const dupProfiles = v.profiles.filter((x, i) => v.profiles.indexOf(x) !== i);
    if (dupProfiles.length > 0) issues.error(vp, `profiles cannot have any duplicates ([${[...new Set(dupProfiles)].join(', ')}])`);
    if (uniquePaths) {
      if (seen.has(v.path)) issues.error(vp, 'Cannot configure multiple volumes with the same containerPath');
      seen.add(v.path);
    }
  });
}

function checkResourceSet(pod: PodSpec, rs: ResourceSetSpec, issues: Issues): void {
  const p = resourceSetPath(pod, rs);
  const scalar = (key: string, value: number | undefined) => {
    if (value !== undefined && !(value > 0)) {
      issues.error(`${p}.${key}`, `Scalar resource value must be greater than zero: ${key} ${value}`);
    }
  };
  scalar('cpus', rs.cpus);
  scalar('gpus', rs.gpus);
  scalar('memory', rs.memory);
  if (rs.cpus === undefined && rs.gpus === undefined && rs.memory === undefined && rs.ports.length === 0) {
    issues.error(p, 'resources cannot be empty: declare cpus, gpus, memory or ports (volumes alone do not count)');
  }
  for (const key of ['cpus', 'memory'] as const) {
    const limit = rs.resourceLimits?.[key];
    if (typeof limit === 'number' && !(limit >= 0)) issues.error(`${p}.resource-limits.${key}`, `${key} resource limit cannot be negative: ${limit}`);
  }
  checkPorts(p, rs.ports, issues);
  checkVolumes(p, rs.volumes, issues, true);
}

function checkPorts(path: string, ports: readonly PortSpec[], issues: Issues): void {
  const values = new Set<number>();
  const names = new Set(ports.map((x) => x.name));
  for (const port of ports) {
    const pp = `${path}.ports.${port.name}`;
    if (!Number.isInteger(port.port) || port.port < 0 || port.port > 65535) {
      issues.error(`${pp}.port`, `port must be between 0 and 65535, got ${port.port}`);
    }
    if (port.port > 0 && values.has(port.port)) {
      issues.error(`${pp}.port`, `Cannot have duplicate port values: Task has multiple ports with value ${port.port}`);
    }
    values.add(port.port);
    port.ranges.forEach((r, i) => {
      if (r.begin > r.end) issues.error(`${pp}.ranges[${i}]`, `invalid port constraint: begin ${r.begin} > end ${r.end}`);
      if (r.begin < 0 || r.end > 65535) issues.error(`${pp}.ranges[${i}]`, 'invalid port constraint: ports are 0-65535');
    });
    if (port.vip) {
      if (!Number.isInteger(port.vip.port) || port.vip.port < 1 || port.vip.port > 65535) {
        issues.error(`${pp}.vip.port`, `vip port must be between 1 and 65535, got ${port.vip.port}`);
      }
      const vipName = port.vip.prefix || port.name;
      if (vipName !== port.name && names.has(vipName)) {
        issues.error(
          `${pp}.vip.prefix`,
          `Provided VIP prefix '${vipName}' in port '${port.name}' conflicts with other port also named '${vipName}'. ` +
            "Expected VIP prefix to not collide with other ports' names.",
        );
      }
    }
  }
}

function checkTask(pod: PodSpec, task: TaskSpec, issues: Issues): void {
  const p = taskPath(pod, task);
  if (!pod.resourceSets.some((rs) => rs.id === task.resourceSet)) {
    issues.error(`${p}.resource-set`, `Task '${task.name}' refers to resource-set '${task.resourceSet}', which pod '${pod.type}' does not declare`);
  }
  const dupNames = duplicates(task.configs.map((c) => c.name));
  if (dupNames.length > 0) issues.error(`${p}.configs`, `configFiles.name cannot have any duplicates ([${dupNames.join(', ')}])`);
  const dupDests = duplicates(task.configs.map((c) => c.dest));
  if (dupDests.length > 0) issues.error(`${p}.configs`, `configFiles.relativePath cannot have any duplicates ([${dupDests.join(', ')}])`);
  task.configs.forEach((c) => {
    if (!c.dest) issues.error(`${p}.configs.${c.name}.dest`, `dest cannot be empty in config ${c.name}`);
  });

  if (!Number.isInteger(task.killGracePeriod) || task.killGracePeriod < 0) {
    issues.error(`${p}.kill-grace-period`, `taskKillGracePeriodSeconds cannot be less than 0: ${task.killGracePeriod}`);
  } else if (task.killGracePeriod > MAX_KILL_GRACE_PERIOD_SECONDS) {
    issues.error(`${p}.kill-grace-period`, `taskKillGracePeriodSeconds cannot be greater than ${MAX_KILL_GRACE_PERIOD_SECONDS}: ${task.killGracePeriod}`);
  }

  const h = task.healthCheck;
  if (h) {
    const hp = `${p}.health-check`;
    if (!h.cmd) issues.error(`${hp}.cmd`, 'command cannot be empty');
    if (!(h.maxConsecutiveFailures >= 1)) issues.error(`${hp}.max-consecutive-failures`, `maxConsecutiveFailures cannot be less than 1: ${h.maxConsecutiveFailures}`);
    for (const [k, v] of [['delay', h.delay], ['interval', h.interval], ['timeout', h.timeout], ['grace-period', h.gracePeriod]] as const) {
      if (!(v >= 0)) issues.error(`${hp}.${k}`, `${k} cannot be less than 0: ${v}`);
    }
  }
  const r = task.readinessCheck;
  if (r) {
    const rp = `${p}.readiness-check`;
    if (!r.cmd) issues.error(`${rp}.cmd`, 'command cannot be empty');
    for (const [k, v] of [['delay', r.delay], ['interval', r.interval], ['timeout', r.timeout]] as const) {
      if (!(v >= 0)) issues.error(`${rp}.${k}`, `${k} cannot be less than 0: ${v}`);
    }
  }
  if (task.ipcMode === 'SHARE_PARENT' && task.shmSize !== undefined) {
    issues.error(`${p}.shm-size`, 'shm size does not apply when IPC Mode is SHARE_PARENT');
  }
  if (task.shmSize !== undefined && task.shmSize < 0) issues.error(`${p}.shm-size`, 'shm-size cannot be less than 0');
  task.transportEncryption.forEach((t, i) => {
    if (!t.name || t.name.trim() === '') issues.error(`${p}.transport-encryption[${i}].name`, 'name cannot be blank or empty');
  });
  if (task.discovery?.prefix === '') issues.error(`${p}.discovery.prefix`, 'prefix cannot be empty');
}

function duplicates(values: readonly string[]): string[] {
  return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}

/** reference §4.4.5: tasks in different pods may not share a discovery prefix. */
function checkDiscoveryPrefixes(spec: ServiceSpec, issues: Issues): void {
  const counts = new Map<string, number>();
  for (const pod of spec.pods) {
    const prefixes = new Set(pod.tasks.map((t) => t.discovery?.prefix).filter((x): x is string => x !== undefined));
    for (const prefix of prefixes) counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  const dups = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  if (dups.length > 0) issues.error('pods', `Tasks in different pods cannot share DNS names: [${dups.join(', ')}]`);
}

/** reference §4.4.1: advertised port names are unique across the service (task and resource-set ports). */
function checkAdvertisedPorts(spec: ServiceSpec, issues: Issues): void {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const pod of spec.pods) {
    for (const rs of pod.resourceSets) {
      for (const port of rs.ports) {
        if (!port.advertise) continue;
        if (seen.has(port.name)) dups.add(port.name);
        seen.add(port.name);
      }
    }
  }
  if (dups.size > 0) {
    issues.error('pods', `Service has duplicate advertised ports across tasks: [${[...dups].sort().join(', ')}]`);
  }
}

/** reference §3.2: what PlanGenerator would reject when building plans from the spec. */
function checkPlans(spec: ServiceSpec, issues: Issues): void {
  if (spec.plans.length > 0 && !spec.plans.some((p) => p.name === 'deploy')) {
    issues.error('plans', `No deploy plan provided: [${spec.plans.map((p) => p.name).join(', ')}]`);
  }
  for (const plan of spec.plans) {
    for (const phase of plan.phases) {
      const pp = `plans.${plan.name}.phases.${phase.name}`;
      const pod = spec.pods.find((p) => p.type === phase.pod);
      if (!pod) {
        issues.error(`${pp}.pod`, `Unable to find pod '${phase.pod}' referenced by phase '${phase.name}'`);
        continue;
      }
      if (!phase.steps || phase.steps.length === 0) {
        warnSharedStep(pod, pod.tasks.map((t) => t.name), pp, issues);
        continue;
      }
      const keys = new Map<string, string[][]>();
      phase.steps.forEach((entry, i) => {
        const ep = `${pp}.steps[${i}]`;
        if (keys.has(entry.key)) {
          issues.error(ep, `Malformed steps in phase '${phase.name}': Duplicate key '${entry.key}'`);
        }
        keys.set(entry.key, entry.tasks);
        if (entry.key !== 'default' && !/^(0|[1-9][0-9]*)$/.test(entry.key)) {
          issues.error(ep, `Malformed steps in phase '${phase.name}': step key '${entry.key}' must be a pod index (0, 1, …) or 'default'`);
        }
        entry.tasks.forEach((group, g) => {
          const unknown = group.filter((t) => !pod.tasks.some((x) => x.name === t));
          if (unknown.length > 0) {
            issues.error(
              `${ep}.${entry.key}[${g}]`,
              `Malformed step: step refers to a task that does not exist: [${unknown.join(', ')}] (pod '${pod.type}' has tasks [${pod.tasks.map((t) => t.name).join(', ')}])`,
            );
          } else {
            warnSharedStep(pod, group, `${ep}.${entry.key}[${g}]`, issues);
          }
        });
      });
      for (let i = 0; i < pod.count; i++) {
        if (!keys.has(String(i)) && !keys.has('default')) {
          issues.error(`${pp}.steps`, `Malformed steps in phase '${phase.name}': Missing '${i}' step entry, and no 'default' defined`);
          break;
        }
      }
    }
  }
  if (spec.plans.length === 0) {
    for (const pod of spec.pods) warnSharedStep(pod, pod.tasks.map((t) => t.name), `pods.${pod.type}`, issues);
  }
}

/**
 * reference §3.1, §10.3 quirk 6: a step launching two tasks that share a resource set or a discovery prefix becomes
 * an ERROR step at run time. Kept legal as in the original, but said out loud.
 */
function warnSharedStep(pod: PodSpec, taskNames: readonly string[], path: string, issues: Issues): void {
  const tasks = taskNames.map((n) => pod.tasks.find((t) => t.name === n)).filter((t): t is TaskSpec => t !== undefined);
  const sharedSets = duplicates(tasks.map((t) => t.resourceSet));
  if (sharedSets.length > 0) {
    issues.warn(
      `${path}: tasks [${taskNames.join(', ')}] are launched in one step but share resource set ${sharedSets.join(', ')}; ` +
        'that step will fail (ERROR). Launch them in separate steps, e.g. [[a], [b]]',
    );
  }
  const sharedPrefixes = duplicates(tasks.map((t) => t.discovery?.prefix).filter((x): x is string => x !== undefined));
  if (sharedPrefixes.length > 0) {
    issues.warn(`${path}: tasks [${taskNames.join(', ')}] are launched in one step but share the DNS name ${sharedPrefixes.join(', ')}; that step will fail (ERROR)`);
  }
}
