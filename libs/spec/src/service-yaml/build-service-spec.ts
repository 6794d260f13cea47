import { posix } from 'node:path';
import type {
  ConfigFileSpec,
  DiscoverySpec,
  ExternalVolumeSpec,
  GoalState,
  HealthCheckSpec,
  HostVolumeSpec,
  NetworkSpec,
  PhaseSpec,
  PlanSpec,
  PodSpec,
  PortSpec,
  Range,
  ReadinessCheckSpec,
  ResourceLimits,
  ResourceSetSpec,
  RLimitSpec,
  SecretSpec,
  ServiceSpec,
  StepListSpec,
  TaskSpec,
  VolumeSpec,
} from '@marshal/contracts';
import { PLAN_STRATEGIES } from '@marshal/contracts';
import type { Issues } from '../validation-error';
import type { Field, YamlReader, YamlValue } from '../yaml/yaml-reader';
import { javaSplit } from './check-service-spec';
import { readPhaseStrategy } from './phase-strategy';
import { ANY_ROLE, DEFAULT_SERVICE_USER, DEFAULT_ZOOKEEPER, serviceRole, toEnvName } from './naming';

/**
 * svc.yml (already rendered) → normalized ServiceSpec (reference §4.2–4.6, §4.10). This layer reads fields,
 * types, enumerations and references that only the YAML shows (both `volume` and `volumes`, template files, label
 * strings); checks that can be made on the normalized spec live in `check-service-spec.ts` and run afterwards.
 */

const SERVICE_KEYS = ['name', 'web-url', 'scheduler', 'pods', 'plans'] as const;
const SCHEDULER_KEYS = ['principal', 'zookeeper', 'user'] as const;
const POD_KEYS = [
  'resource-sets',
  'placement',
  'count',
  'image',
  'networks',
  'rlimits',
  'uris',
  'tasks',
  'volume',
  'volumes',
  'pre-reserved-role',
  'secrets',
  'share-pid-namespace',
  'allow-decommission',
  'host-volumes',
  'external-volumes',
  'seccomp-unconfined',
  'seccomp-profile-name',
  'ipc-mode',
  'shm-size',
] as const;
const TASK_KEYS = [
  'goal',
  'essential',
  'cmd',
  'env',
  'labels',
  'configs',
  'cpus',
  'gpus',
  'memory',
  'ports',
  'health-check',
  'readiness-check',
  'volume',
  'volumes',
  'resource-set',
  'discovery',
  'kill-grace-period',
  'transport-encryption',
  'ipc-mode',
  'shm-size',
  'resource-limits',
] as const;
const RESOURCE_SET_KEYS = ['cpus', 'gpus', 'memory', 'resource-limits', 'ports', 'volume', 'volumes'] as const;
const INLINE_RESOURCE_KEYS = ['cpus', 'gpus', 'memory', 'ports', 'volume', 'volumes', 'resource-limits'] as const;
const PORT_KEYS = ['port', 'env-key', 'advertise', 'vip', 'ranges'] as const;
const VIP_KEYS = ['port', 'prefix'] as const;
const RANGE_KEYS = ['begin', 'end'] as const;
const VOLUME_KEYS = ['path', 'type', 'profiles', 'size'] as const;
const NETWORK_KEYS = ['host-ports', 'container-ports', 'labels'] as const;
const RLIMIT_KEYS = ['soft', 'hard'] as const;
const SECRET_KEYS = ['secret', 'env-key', 'file'] as const;
const HOST_VOLUME_KEYS = ['host-path', 'container-path', 'mode'] as const;
const EXTERNAL_VOLUME_KEYS = [
  'type',
  'volume-name',
  'volume-mode',
  'driver-name',
  'driver-options',
  'container-path',
] as const;
const HEALTH_KEYS = ['cmd', 'interval', 'grace-period', 'max-consecutive-failures', 'delay', 'timeout'] as const;
const READINESS_KEYS = ['cmd', 'interval', 'delay', 'timeout'] as const;
const CONFIG_KEYS = ['template', 'dest'] as const;
const DISCOVERY_KEYS = ['prefix', 'visibility'] as const;
const TLS_KEYS = ['name', 'type'] as const;
const LIMIT_KEYS = ['cpus', 'memory'] as const;
const PLAN_KEYS = ['strategy', 'phases'] as const;
const PHASE_KEYS = ['strategy', 'steps', 'pod'] as const;

/** Goals the original's parser named in its error text (reference §4.4, §10.3 quirk 11). */
const ORIGINAL_GOALS = '[UNKNOWN, RUNNING, FINISH, ONCE]';
const GOALS: readonly GoalState[] = ['RUNNING', 'FINISH', 'ONCE'];
const MIN_PORT = 0;
const MAX_PORT = 65535;

export interface BuildContext {
  reader: YamlReader;
  issues: Issues;
  /** The scheduler environment: TASKCFG_* routing, SERVICE_REGION, MESOS_ALLOCATION_ROLE. */
  env: Readonly<Record<string, string>>;
  /** Config templates by path relative to the YAML's directory. */
  files: Readonly<Record<string, string>>;
}

export function buildServiceSpec(root: YamlValue, ctx: BuildContext): ServiceSpec | null {
  const { reader, issues } = ctx;
  if (reader.isNull(root, '')) {
    issues.error('', 'Service Spec is empty');
    return null;
  }
  const top = reader.object(root, '', SERVICE_KEYS);
  if (!top) return null;

  const name = reader.string(top.get('name')?.value, 'name') ?? '';
  if (name === '') issues.error('name', "Missing required 'name' in Service Spec");

  const scheduler = top.has('scheduler') ? reader.object(top.get('scheduler')?.value ?? null, 'scheduler', SCHEDULER_KEYS) : undefined;
  const principal = nonEmpty(reader.string(scheduler?.get('principal')?.value, 'scheduler.principal'));
  const zookeeper = nonEmpty(reader.string(scheduler?.get('zookeeper')?.value, 'scheduler.zookeeper'));
  const user = nonEmpty(reader.string(scheduler?.get('user')?.value, 'scheduler.user')) ?? DEFAULT_SERVICE_USER;
  const webUrl = reader.string(top.get('web-url')?.value, 'web-url');

  const podFields = top.has('pods') ? reader.fields(top.get('pods')?.value ?? null, 'pods') : undefined;
  if (!podFields || podFields.length === 0) issues.error('pods', 'pods cannot be empty: a service needs at least one pod');
  const pods = (podFields ?? []).map((f) => buildPod(f, user, ctx));

  const planFields = top.has('plans') ? reader.fields(top.get('plans')?.value ?? null, 'plans') : undefined;
  const plans = (planFields ?? []).map((f) => buildPlan(f, ctx));

  const region = nonEmpty(ctx.env['SERVICE_REGION']);
  const spec: ServiceSpec = {
    name,
    role: serviceRole(name, ctx.env),
    principal: principal ?? `${name}-principal`,
    user,
    zookeeper: zookeeper ?? DEFAULT_ZOOKEEPER,
    ...(webUrl !== undefined ? { webUrl } : {}),
    ...(region !== undefined ? { region } : {}),
    pods,
    plans,
  };
  return spec;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

/** TASKCFG_ALL_<K> and TASKCFG_<POD>_<K> of the scheduler env, in sorted order, later wins (reference §4.10). */
export function taskcfgEnv(env: Readonly<Record<string, string>>, podType: string): Record<string, string> {
  const podPrefix = `TASKCFG_${toEnvName(podType)}_`;
  const out: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) {
    if (key.startsWith('TASKCFG_ALL_')) out[key.slice('TASKCFG_ALL_'.length)] = env[key];
    else if (key.startsWith(podPrefix)) out[key.slice(podPrefix.length)] = env[key];
  }
  return out;
}

function buildPod(field: Field, user: string, ctx: BuildContext): PodSpec {
  const { reader, issues } = ctx;
  const type = field.key;
  const path = field.path;
  // reference §4.1: pods ignore unknown keys (legacy `container:` or pod-level `user:` blocks).
  const f = reader.object(field.value, path, POD_KEYS, true) ?? new Map<string, Field>();
  const at = (k: string) => `${path}.${k}`;

  const count = reader.integer(f.get('count')?.value, at('count'));
  if (count === undefined && !issues.errors.some((e) => e.path === at('count'))) {
    issues.error(at('count'), 'count cannot be null: every pod needs an instance count');
  }

  const resourceSets: ResourceSetSpec[] = [];
  for (const rs of reader.fields(f.get('resource-sets')?.value ?? null, at('resource-sets')) ?? []) {
    const rsFields = reader.object(rs.value, rs.path, RESOURCE_SET_KEYS) ?? new Map<string, Field>();
    resourceSets.push(buildResourceSet(rs.key, rs.path, rsFields, ctx));
  }

  const networks: NetworkSpec[] = [];
  for (const n of reader.fields(f.get('networks')?.value ?? null, at('networks')) ?? []) {
    networks.push(buildNetwork(n, ctx));
  }

  const rlimits: RLimitSpec[] = [];
  for (const r of reader.fields(f.get('rlimits')?.value ?? null, at('rlimits')) ?? []) {
    const rf = reader.object(r.value, r.path, RLIMIT_KEYS) ?? new Map<string, Field>();
    const soft = reader.integer(rf.get('soft')?.value, `${r.path}.soft`);
    const hard = reader.integer(rf.get('hard')?.value, `${r.path}.hard`);
    rlimits.push({ name: r.key, ...(soft !== undefined ? { soft } : {}), ...(hard !== undefined ? { hard } : {}) });
  }

  const uris: string[] = [];
  for (const u of reader.items(f.get('uris')?.value ?? null, at('uris')) ?? []) {
    const s = reader.string(u.value, u.path);
    if (s === undefined || s === '') issues.error(u.path, 'URI cannot be empty');
    else uris.push(s);
  }

  const secrets: SecretSpec[] = [];
  for (const s of reader.fields(f.get('secrets')?.value ?? null, at('secrets')) ?? []) {
    const sf = reader.object(s.value, s.path, SECRET_KEYS) ?? new Map<string, Field>();
    const secret = reader.string(sf.get('secret')?.value, `${s.path}.secret`);
    const envKey = nonEmpty(reader.string(sf.get('env-key')?.value, `${s.path}.env-key`));
    let file = reader.string(sf.get('file')?.value, `${s.path}.file`);
    if (secret === undefined || secret === '') issues.error(`${s.path}.secret`, 'secretPath cannot be empty');
    // reference §4.3.2: neither env-key nor file → a file at the secret path itself.
    if (file === undefined && envKey === undefined) file = secret;
    secrets.push({
      name: s.key,
      secret: secret ?? '',
      ...(envKey !== undefined ? { envKey } : {}),
      ...(file !== undefined ? { file } : {}),
    });
  }

  const hostVolumes: HostVolumeSpec[] = [];
  for (const h of reader.fields(f.get('host-volumes')?.value ?? null, at('host-volumes')) ?? []) {
    const hf = reader.object(h.value, h.path, HOST_VOLUME_KEYS) ?? new Map<string, Field>();
    const mode = nonEmpty(reader.string(hf.get('mode')?.value, `${h.path}.mode`)) ?? 'RW';
    if (mode !== 'RW' && mode !== 'RO') issues.error(`${h.path}.mode`, `Unsupported host volume mode. Got '${mode}', expected RW or RO`);
    hostVolumes.push({
      name: h.key,
      hostPath: reader.string(hf.get('host-path')?.value, `${h.path}.host-path`) ?? '',
      containerPath: reader.string(hf.get('container-path')?.value, `${h.path}.container-path`) ?? '',
      mode: mode === 'RO' ? 'RO' : 'RW',
    });
  }

  const externalVolumes: ExternalVolumeSpec[] = [];
  for (const x of reader.fields(f.get('external-volumes')?.value ?? null, at('external-volumes')) ?? []) {
    externalVolumes.push(buildExternalVolume(x, ctx));
  }

  const volumes: VolumeSpec[] = [];
  if (f.has('volume') && !reader.isNull(f.get('volume')?.value ?? null, at('volume'))) {
    volumes.push(buildVolume(f.get('volume')?.value ?? null, at('volume'), ctx));
  }
  for (const v of reader.fields(f.get('volumes')?.value ?? null, at('volumes')) ?? []) {
    volumes.push(buildVolume(v.value, v.path, ctx));
  }

  const ipcMode = reader.string(f.get('ipc-mode')?.value, at('ipc-mode'));
  if (ipcMode !== undefined && ipcMode !== 'PRIVATE' && ipcMode !== 'SHARE_PARENT') {
    issues.error(at('ipc-mode'), `Invalid IPC Mode '${ipcMode}', expected PRIVATE`);
  }
  const shmSize = reader.integer(f.get('shm-size')?.value, at('shm-size'));
  const seccompUnconfined = reader.boolean(f.get('seccomp-unconfined')?.value, at('seccomp-unconfined'));
  const seccompProfileName = reader.string(f.get('seccomp-profile-name')?.value, at('seccomp-profile-name'));
  const image = reader.string(f.get('image')?.value, at('image'));
  const placement = nonEmpty(reader.string(f.get('placement')?.value, at('placement')));

  const taskcfg = taskcfgEnv(ctx.env, type);
  const taskFields = reader.fields(f.get('tasks')?.value ?? null, at('tasks'));
  if (!taskFields || taskFields.length === 0) issues.error(at('tasks'), 'tasks cannot be empty: a pod needs at least one task');
  const tasks = (taskFields ?? []).map((t) => buildTask(t, type, resourceSets, taskcfg, ctx));

  return {
    type,
    count: count ?? 0,
    allowDecommission: reader.boolean(f.get('allow-decommission')?.value, at('allow-decommission')) ?? false,
    ...(image !== undefined ? { image } : {}),
    user,
    networks,
    rlimits,
    uris,
    ...(placement !== undefined ? { placement } : {}),
    preReservedRole: nonEmpty(reader.string(f.get('pre-reserved-role')?.value, at('pre-reserved-role'))) ?? ANY_ROLE,
    secrets,
    sharePidNamespace: reader.boolean(f.get('share-pid-namespace')?.value, at('share-pid-namespace')) ?? false,
    hostVolumes,
    externalVolumes,
    ...(seccompUnconfined !== undefined ? { seccompUnconfined } : {}),
    ...(seccompProfileName !== undefined ? { seccompProfileName } : {}),
    ...(ipcMode === 'PRIVATE' || ipcMode === 'SHARE_PARENT' ? { ipcMode } : {}),
    ...(shmSize !== undefined ? { shmSize } : {}),
    volumes,
    resourceSets,
    tasks,
  };
}

function buildNetwork(n: Field, ctx: BuildContext): NetworkSpec {
  const { reader } = ctx;
  const nf = reader.object(n.value, n.path, NETWORK_KEYS) ?? new Map<string, Field>();
  const ints = (key: string): number[] | undefined => {
    const items = reader.items(nf.get(key)?.value ?? null, `${n.path}.${key}`);
    if (!items) return undefined;
    return items.map((i) => reader.integer(i.value, i.path) ?? 0);
  };
  const hostPorts = ints('host-ports');
  const containerPorts = ints('container-ports');
  if ((hostPorts === undefined) !== (containerPorts === undefined)) {
    ctx.issues.warn(`${n.path}: host-ports and container-ports must be given together; the port mapping is ignored`);
  }
  const mapped = hostPorts !== undefined && containerPorts !== undefined;
  const labelsCsv = reader.string(nf.get('labels')?.value, `${n.path}.labels`);
  if (n.key !== 'dcos' && n.key !== 'mesos-bridge') {
    ctx.issues.warn(`${n.path}: virtual network '${n.key}' is not supported, unexpected behavior may result (expected one of: [dcos, mesos-bridge])`);
  }
  return {
    name: n.key,
    hostPorts: mapped ? hostPorts : [],
    containerPorts: mapped ? containerPorts : [],
    labels: labelsCsv ? parseLabels(labelsCsv, `${n.path}.labels`, ctx.issues) : {},
  };
}

/** `k1:v1,k2:v2` with values that may contain `:` (reference §4.3.1, §4.4 labels). */
export function parseLabels(csv: string, path: string, issues: Issues): Record<string, string> {
  const out: Record<string, string> = {};
  const parts = javaSplit(csv, ',');
  if (parts.length === 0) parts.push(csv);
  for (const part of parts) {
    const i = part.indexOf(':');
    if (i < 0) {
      issues.error(
        path,
        `Illegal label string, got ${csv}, should be comma-seperated key value pairs (seperated by colons). ` +
          'For example: k_0:v_0,k_1:v_1,...,k_n:v_n',
      );
      return {};
    }
    const k = part.slice(0, i);
    if (Object.prototype.hasOwnProperty.call(out, k)) {
      issues.error(path, `Duplicate label key '${k}' in ${csv}`);
      return {};
    }
    out[k] = part.slice(i + 1);
  }
  return out;
}

function buildExternalVolume(x: Field, ctx: BuildContext): ExternalVolumeSpec {
  const { reader, issues } = ctx;
  const xf = reader.object(x.value, x.path, EXTERNAL_VOLUME_KEYS) ?? new Map<string, Field>();
  const type = reader.string(xf.get('type')?.value, `${x.path}.type`);
  if (type !== 'DOCKER') issues.error(`${x.path}.type`, `Unsupported external volume mode ${type ?? 'null'}, expected DOCKER`);
  const mode = nonEmpty(reader.string(xf.get('volume-mode')?.value, `${x.path}.volume-mode`)) ?? 'RW';
  if (mode !== 'RW' && mode !== 'RO') issues.error(`${x.path}.volume-mode`, `Unsupported external volume mode: ${mode}`);
  const volumeName = nonEmpty(reader.string(xf.get('volume-name')?.value, `${x.path}.volume-name`));
  return {
    name: x.key,
    type: 'DOCKER',
    containerPath: reader.string(xf.get('container-path')?.value, `${x.path}.container-path`) ?? '',
    driverName: reader.string(xf.get('driver-name')?.value, `${x.path}.driver-name`) ?? '',
    driverOptions: reader.string(xf.get('driver-options')?.value, `${x.path}.driver-options`) ?? '',
    ...(volumeName !== undefined ? { volumeName } : {}),
    volumeMode: mode === 'RO' ? 'RO' : 'RW',
  };
}

function buildVolume(node: YamlValue, path: string, ctx: BuildContext): VolumeSpec {
  const { reader, issues } = ctx;
  const vf = reader.object(node, path, VOLUME_KEYS) ?? new Map<string, Field>();
  const type = reader.string(vf.get('type')?.value, `${path}.type`);
  const volumePath = reader.string(vf.get('path')?.value, `${path}.path`) ?? '';
  if (type !== 'ROOT' && type !== 'MOUNT' && type !== 'PATH') {
    issues.error(
      `${path}.type`,
      `Provided volume type '${type ?? 'null'}' for path '${volumePath}' is invalid. Expected type to be one of: [ROOT, PATH, MOUNT]`,
    );
  }
  const profiles: string[] = [];
  for (const p of reader.items(vf.get('profiles')?.value ?? null, `${path}.profiles`) ?? []) {
    profiles.push(reader.string(p.value, p.path) ?? '');
  }
  const size = reader.integer(vf.get('size')?.value, `${path}.size`);
  return {
    path: volumePath,
    type: type === 'MOUNT' || type === 'PATH' ? type : 'ROOT',
    // reference §4.4.2: a missing size is 0, which the checks reject.
    size: size ?? 0,
    profiles,
  };
}

function buildPorts(node: YamlValue, path: string, ctx: BuildContext): PortSpec[] {
  const { reader, issues } = ctx;
  const ports: PortSpec[] = [];
  for (const p of reader.fields(node, path) ?? []) {
    const pf = reader.object(p.value, p.path, PORT_KEYS) ?? new Map<string, Field>();
    const port = reader.integer(pf.get('port')?.value, `${p.path}.port`);
    if (port === undefined && !issues.errors.some((e) => e.path === `${p.path}.port`)) {
      issues.error(`${p.path}.port`, 'port cannot be null: use 0 for a dynamic port');
    }
    const envKey = nonEmpty(reader.string(pf.get('env-key')?.value, `${p.path}.env-key`));
    const ranges: Range[] = [];
    for (const r of reader.items(pf.get('ranges')?.value ?? null, `${p.path}.ranges`) ?? []) {
      const rf = reader.object(r.value, r.path, RANGE_KEYS) ?? new Map<string, Field>();
      const begin = reader.integer(rf.get('begin')?.value, `${r.path}.begin`);
      const end = reader.integer(rf.get('end')?.value, `${r.path}.end`);
      // reference §4.4.1: missing begin → 0; missing or 0 end → 65535.
      ranges.push({ begin: begin ?? MIN_PORT, end: end === undefined || end === 0 ? MAX_PORT : end });
    }
    let vip: PortSpec['vip'];
    if (pf.has('vip') && !reader.isNull(pf.get('vip')?.value ?? null, `${p.path}.vip`)) {
      const vf = reader.object(pf.get('vip')?.value ?? null, `${p.path}.vip`, VIP_KEYS) ?? new Map<string, Field>();
      const vipPort = reader.integer(vf.get('port')?.value, `${p.path}.vip.port`);
      if (vipPort === undefined) issues.error(`${p.path}.vip.port`, 'vip port cannot be null');
      const prefix = nonEmpty(reader.string(vf.get('prefix')?.value, `${p.path}.vip.prefix`)) ?? p.key;
      vip = { port: vipPort ?? 0, prefix };
    }
    ports.push({
      name: p.key,
      port: port ?? 0,
      ...(envKey !== undefined ? { envKey } : {}),
      advertise: reader.boolean(pf.get('advertise')?.value, `${p.path}.advertise`) ?? false,
      ranges,
      ...(vip ? { vip } : {}),
    });
  }
  return ports;
}

function buildLimits(node: YamlValue, path: string, ctx: BuildContext): ResourceLimits | undefined {
  const { reader, issues } = ctx;
  if (reader.isNull(node, path)) return undefined;
  const lf = reader.object(node, path, LIMIT_KEYS) ?? new Map<string, Field>();
  const out: ResourceLimits = {};
  for (const key of LIMIT_KEYS) {
    const s = reader.string(lf.get(key)?.value, `${path}.${key}`);
    if (s === undefined) continue;
    if (s === 'unlimited') out[key] = 'unlimited';
    else if (/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s)) out[key] = Number(s);
    else issues.error(`${path}.${key}`, `must be a number or "unlimited", got '${s}'`);
  }
  return out;
}

function buildResourceSet(
  id: string,
  path: string,
  f: Map<string, Field>,
  ctx: BuildContext,
): ResourceSetSpec {
  const { reader, issues } = ctx;
  const at = (k: string) => `${path}.${k}`;
  const volumes: VolumeSpec[] = [];
  const hasVolume = f.has('volume') && !ctx.reader.isNull(f.get('volume')?.value ?? null, at('volume'));
  const volumesField = f.get('volumes');
  const hasVolumes = volumesField !== undefined && !ctx.reader.isNull(volumesField.value, at('volumes'));
  if (hasVolume && hasVolumes) {
    issues.error(path, `Both 'volume' and 'volumes' may not be specified at the same time: ${id}`);
  }
  // reference §4.4.2: names under `volumes` are ignored; `volumes` entries come first, then `volume`.
  for (const v of reader.fields(volumesField?.value ?? null, at('volumes')) ?? []) volumes.push(buildVolume(v.value, v.path, ctx));
  if (hasVolume) volumes.push(buildVolume(f.get('volume')?.value ?? null, at('volume'), ctx));

  const cpus = reader.number(f.get('cpus')?.value, at('cpus'));
  const gpus = reader.number(f.get('gpus')?.value, at('gpus'));
  const memory = reader.integer(f.get('memory')?.value, at('memory'));
  const resourceLimits = f.has('resource-limits') ? buildLimits(f.get('resource-limits')?.value ?? null, at('resource-limits'), ctx) : undefined;
  return {
    id,
    ...(cpus !== undefined ? { cpus } : {}),
    ...(gpus !== undefined ? { gpus } : {}),
    ...(memory !== undefined ? { memory } : {}),
    ports: buildPorts(f.get('ports')?.value ?? null, at('ports'), ctx),
    volumes,
    ...(resourceLimits !== undefined ? { resourceLimits } : {}),
  };
}

function buildTask(
  field: Field,
  podType: string,
  podResourceSets: ResourceSetSpec[],
  taskcfg: Record<string, string>,
  ctx: BuildContext,
): TaskSpec {
  const { reader, issues } = ctx;
  const name = field.key;
  const path = field.path;
  const at = (k: string) => `${path}.${k}`;
  const f = reader.object(field.value, path, TASK_KEYS) ?? new Map<string, Field>();

  const goalText = reader.string(f.get('goal')?.value, at('goal'));
  let goal: GoalState = 'RUNNING';
  if (goalText === undefined) {
    issues.error(at('goal'), `Missing required 'goal' in task ${name}, expected one of: [RUNNING, FINISH, ONCE]`);
  } else {
    const upper = goalText.toUpperCase();
    if (!GOALS.includes(upper as GoalState)) {
      issues.error(at('goal'), `Unsupported GoalState ${upper} in task ${name}, expected one of: ${upper === 'FINISHED' ? ORIGINAL_GOALS : '[RUNNING, FINISH, ONCE]'}`);
    } else {
      goal = upper as GoalState;
    }
  }

  const cmd = reader.string(f.get('cmd')?.value, at('cmd'));
  if (cmd === undefined) issues.error(at('cmd'), `Missing required 'cmd' in task ${name}`);

  const env: Record<string, string> = {};
  for (const e of reader.fields(f.get('env')?.value ?? null, at('env')) ?? []) {
    // reference §4.4: null values become empty strings.
    env[e.key] = reader.string(e.value, e.path) ?? '';
  }
  // reference §4.10: TASKCFG values override the YAML env.
  Object.assign(env, taskcfg);

  const labelsCsv = reader.string(f.get('labels')?.value, at('labels'));
  const labels = labelsCsv ? parseLabels(labelsCsv, at('labels'), issues) : {};

  const configs: ConfigFileSpec[] = [];
  for (const c of reader.fields(f.get('configs')?.value ?? null, at('configs')) ?? []) {
    const cf = reader.object(c.value, c.path, CONFIG_KEYS) ?? new Map<string, Field>();
    const templatePath = reader.string(cf.get('template')?.value, `${c.path}.template`);
    const dest = reader.string(cf.get('dest')?.value, `${c.path}.dest`);
    if (templatePath === undefined) issues.error(`${c.path}.template`, `Missing required 'template' in config ${c.key}`);
    if (dest === undefined || dest === '') issues.error(`${c.path}.dest`, `Missing required 'dest' in config ${c.key}`);
    let template = '';
    if (templatePath !== undefined) {
      const content = lookupFile(ctx.files, templatePath);
      if (content === undefined) {
        issues.error(`${c.path}.template`, `Config template file '${templatePath}' was not found in the package (FileNotFoundException)`);
      } else {
        template = content;
      }
    }
    configs.push({ name: c.key, templatePath: templatePath ?? '', template, dest: dest ?? '' });
  }

  let healthCheck: HealthCheckSpec | undefined;
  if (f.has('health-check') && !reader.isNull(f.get('health-check')?.value ?? null, at('health-check'))) {
    const hp = at('health-check');
    const hf = reader.object(f.get('health-check')?.value ?? null, hp, HEALTH_KEYS) ?? new Map<string, Field>();
    const req = (k: string, v: number | string | undefined) => {
      if (v === undefined) issues.error(`${hp}.${k}`, `${k} cannot be null: every health-check field is required`);
    };
    const hcmd = reader.string(hf.get('cmd')?.value, `${hp}.cmd`);
    const interval = reader.number(hf.get('interval')?.value, `${hp}.interval`);
    const gracePeriod = reader.number(hf.get('grace-period')?.value, `${hp}.grace-period`);
    const maxFailures = reader.integer(hf.get('max-consecutive-failures')?.value, `${hp}.max-consecutive-failures`);
    const delay = reader.number(hf.get('delay')?.value, `${hp}.delay`);
    const timeout = reader.number(hf.get('timeout')?.value, `${hp}.timeout`);
    req('cmd', hcmd);
    req('interval', interval);
    req('grace-period', gracePeriod);
    req('max-consecutive-failures', maxFailures);
    req('delay', delay);
    req('timeout', timeout);
    healthCheck = {
      cmd: hcmd ?? '',
      interval: interval ?? 0,
      gracePeriod: gracePeriod ?? 0,
      maxConsecutiveFailures: maxFailures ?? 1,
      delay: delay ?? 0,
      timeout: timeout ?? 0,
    };
  }

  let readinessCheck: ReadinessCheckSpec | undefined;
  if (f.has('readiness-check') && !reader.isNull(f.get('readiness-check')?.value ?? null, at('readiness-check'))) {
    const rp = at('readiness-check');
    const rf = reader.object(f.get('readiness-check')?.value ?? null, rp, READINESS_KEYS) ?? new Map<string, Field>();
    const rcmd = reader.string(rf.get('cmd')?.value, `${rp}.cmd`);
    const interval = reader.number(rf.get('interval')?.value, `${rp}.interval`);
    const timeout = reader.number(rf.get('timeout')?.value, `${rp}.timeout`);
    const delay = reader.number(rf.get('delay')?.value, `${rp}.delay`);
    if (rcmd === undefined) issues.error(`${rp}.cmd`, 'cmd cannot be null: a readiness-check needs a command');
    if (interval === undefined) issues.error(`${rp}.interval`, 'interval cannot be null');
    if (timeout === undefined) issues.error(`${rp}.timeout`, 'timeout cannot be null');
    readinessCheck = { cmd: rcmd ?? '', interval: interval ?? 0, timeout: timeout ?? 0, delay: delay ?? 0 };
  }

  let discovery: DiscoverySpec | undefined;
  if (f.has('discovery') && !reader.isNull(f.get('discovery')?.value ?? null, at('discovery'))) {
    const dp = at('discovery');
    const df = reader.object(f.get('discovery')?.value ?? null, dp, DISCOVERY_KEYS) ?? new Map<string, Field>();
    const prefix = nonEmpty(reader.string(df.get('prefix')?.value, `${dp}.prefix`));
    const visibility = reader.string(df.get('visibility')?.value, `${dp}.visibility`) ?? 'CLUSTER';
    if (visibility !== 'FRAMEWORK' && visibility !== 'CLUSTER' && visibility !== 'EXTERNAL') {
      issues.error(`${dp}.visibility`, `Visibility must be one of: [FRAMEWORK, CLUSTER, EXTERNAL], got '${visibility}'`);
    }
    discovery = {
      ...(prefix !== undefined ? { prefix } : {}),
      visibility: visibility === 'FRAMEWORK' || visibility === 'EXTERNAL' ? visibility : 'CLUSTER',
    };
  }

  const transportEncryption: TaskSpec['transportEncryption'] = [];
  for (const t of reader.items(f.get('transport-encryption')?.value ?? null, at('transport-encryption')) ?? []) {
    const tf = reader.object(t.value, t.path, TLS_KEYS) ?? new Map<string, Field>();
    const tname = reader.string(tf.get('name')?.value, `${t.path}.name`);
    const ttype = reader.string(tf.get('type')?.value, `${t.path}.type`);
    if (tname === undefined || tname.trim() === '') issues.error(`${t.path}.name`, 'name cannot be blank or empty');
    if (ttype !== 'TLS' && ttype !== 'KEYSTORE') issues.error(`${t.path}.type`, `type must be one of: [TLS, KEYSTORE], got '${ttype ?? 'null'}'`);
    transportEncryption.push({ name: tname ?? '', type: ttype === 'KEYSTORE' ? 'KEYSTORE' : 'TLS' });
  }

  const ipcMode = reader.string(f.get('ipc-mode')?.value, at('ipc-mode'));
  if (ipcMode !== undefined && ipcMode !== 'PRIVATE' && ipcMode !== 'SHARE_PARENT') {
    issues.error(at('ipc-mode'), `Invalid IPC Mode '${ipcMode}', expected PRIVATE or SHARE_PARENT`);
  }
  const shmSize = reader.integer(f.get('shm-size')?.value, at('shm-size'));
  const killGracePeriod = reader.integer(f.get('kill-grace-period')?.value, at('kill-grace-period')) ?? 0;

  // reference §4.4: inline resources form the implicit resource set `<task>-resource-set`.
  let resourceSet: string;
  const resourceSetRef = nonEmpty(reader.string(f.get('resource-set')?.value, at('resource-set')));
  if (resourceSetRef !== undefined && resourceSetRef.trim() !== '') {
    resourceSet = resourceSetRef;
    if (!podResourceSets.some((rs) => rs.id === resourceSetRef)) {
      issues.error(at('resource-set'), `Task '${name}' refers to resource-set '${resourceSetRef}', which pod '${podType}' does not declare`);
    }
    const ignored = INLINE_RESOURCE_KEYS.filter((k) => f.has(k));
    if (ignored.length > 0) {
      ctx.issues.warn(`${path}: ${ignored.join(', ')} ignored because the task uses resource-set '${resourceSetRef}'`);
    }
  } else {
    resourceSet = `${name}-resource-set`;
    podResourceSets.push(buildResourceSet(resourceSet, path, f, ctx));
  }

  return {
    name,
    goal,
    essential: reader.boolean(f.get('essential')?.value, at('essential')) ?? true,
    cmd: cmd ?? '',
    env,
    labels,
    resourceSet,
    ...(healthCheck ? { healthCheck } : {}),
    ...(readinessCheck ? { readinessCheck } : {}),
    configs,
    ...(discovery ? { discovery } : {}),
    killGracePeriod,
    transportEncryption,
    ...(ipcMode === 'PRIVATE' || ipcMode === 'SHARE_PARENT' ? { ipcMode } : {}),
    ...(shmSize !== undefined ? { shmSize } : {}),
  };
}

/** A template path relative to the YAML's directory, normalized (`./a/../b` → `b`). */
export function lookupFile(files: Readonly<Record<string, string>>, path: string): string | undefined {
  const normalized = posix.normalize(path).replace(/^\.\//, '');
  if (Object.prototype.hasOwnProperty.call(files, normalized)) return files[normalized];
  if (Object.prototype.hasOwnProperty.call(files, path)) return files[path];
  return undefined;
}

function buildPlan(field: Field, ctx: BuildContext): PlanSpec {
  const { reader, issues } = ctx;
  const pf = reader.object(field.value, field.path, PLAN_KEYS) ?? new Map<string, Field>();
  const strategy = reader.string(pf.get('strategy')?.value, `${field.path}.strategy`) ?? 'serial';
  if (!(PLAN_STRATEGIES as readonly string[]).includes(strategy)) {
    issues.error(`${field.path}.strategy`, `Unsupported plan strategy '${strategy}', expected one of: [${PLAN_STRATEGIES.join(', ')}]`);
  }
  const phases: PhaseSpec[] = [];
  if (!pf.has('phases') || reader.isNull(pf.get('phases')?.value ?? null, `${field.path}.phases`)) {
    issues.error(`${field.path}.phases`, `Missing required 'phases' in plan '${field.key}'`);
  }
  for (const ph of reader.fields(pf.get('phases')?.value ?? null, `${field.path}.phases`) ?? []) {
    const hf = reader.object(ph.value, ph.path, PHASE_KEYS) ?? new Map<string, Field>();
    const phaseStrategy = readPhaseStrategy(hf.get('strategy'), ph.path, reader, issues);
    const pod = reader.string(hf.get('pod')?.value, `${ph.path}.pod`);
    if (pod === undefined || pod === '') issues.error(`${ph.path}.pod`, `Missing required 'pod' in phase '${ph.key}'`);
    const stepsField = hf.get('steps');
    const steps = stepsField ? buildSteps(stepsField, ph.key, ctx) : undefined;
    phases.push({
      name: ph.key,
      pod: pod ?? '',
      strategy: phaseStrategy.strategy,
      ...(phaseStrategy.maxConcurrent !== undefined ? { maxConcurrent: phaseStrategy.maxConcurrent } : {}),
      ...(steps !== undefined ? { steps } : {}),
    });
  }
  return {
    name: field.key,
    strategy: (PLAN_STRATEGIES as readonly string[]).includes(strategy) ? (strategy as PlanSpec['strategy']) : 'serial',
    phases,
  };
}

/** `steps:` — a list of single-key maps `<index or default>: [[task, …], …]` (reference §3.2). */
function buildSteps(field: Field, phaseName: string, ctx: BuildContext): StepListSpec[] | undefined {
  const { reader, issues } = ctx;
  const entries = reader.items(field.value, field.path);
  if (entries === undefined) return undefined;
  const out: StepListSpec[] = [];
  for (const entry of entries) {
    const kv = reader.fields(entry.value, entry.path) ?? [];
    if (kv.length !== 1) {
      issues.error(
        entry.path,
        `Malformed step in phase '${phaseName}': Map should contain a single entry, but has ${kv.length}: {${kv.map((k) => k.key).join(', ')}}`,
      );
      continue;
    }
    const [{ key, value, path }] = kv;
    const tasks: string[][] = [];
    for (const group of reader.items(value, path) ?? []) {
      const names: string[] = [];
      for (const t of reader.items(group.value, group.path) ?? []) {
        const n = reader.string(t.value, t.path);
        if (n === undefined || n === '') issues.error(t.path, 'task name cannot be empty');
        else names.push(n);
      }
      tasks.push(names);
    }
    out.push({ key, tasks });
  }
  return out;
}
