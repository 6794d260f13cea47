import type { TaskInfo } from '@marshal/contracts';

/**
 * Marshal's TaskInfo and latest status in the JSON shape the original's `GET /v1/pod/{name}/info` printed (reference
 * §6.3: Mesos `TaskInfo` and `TaskStatus` protobufs through the protobuf JSON printer, lowerCamelCase field names), so
 * clients written against the SDK find `info.taskId.value`, `info.resources[]`, `info.command.value`, `info.labels`.
 * What Mesos had and Marshal has not (a framework id, resource roles, an executor process) is left out or, for the
 * executor, stands for the pod instance's reservation.
 */

export interface MesosValue {
  value: string;
}

export interface MesosLabels {
  labels: { key: string; value: string }[];
}

export interface MesosResource {
  name: string;
  type: 'SCALAR' | 'RANGES';
  scalar?: { value: number };
  ranges?: { range: { begin: number; end: number }[] };
  reservation: { labels: MesosLabels };
  disk?: {
    persistence: { id: string };
    volume: { containerPath: string; mode: 'RW' };
    source?: { type: 'MOUNT'; mount: { root: string } };
  };
}

export interface MesosCommand {
  value: string;
  shell: true;
  environment: { variables: { name: string; value: string }[] };
  uris: { value: string; extract: boolean }[];
}

export interface MesosTaskInfo {
  name: string;
  taskId: MesosValue;
  slaveId: MesosValue;
  resources: MesosResource[];
  command: MesosCommand;
  labels: MesosLabels;
  executor: { executorId: MesosValue; name: string; command: { value: string } };
  killPolicy: { gracePeriod: { nanoseconds: number } };
  healthCheck?: {
    type: 'COMMAND';
    command: { value: string };
    delaySeconds: number;
    intervalSeconds: number;
    timeoutSeconds: number;
    consecutiveFailures: number;
    gracePeriodSeconds: number;
  };
  check?: { type: 'COMMAND'; command: { command: { value: string } }; delaySeconds: number; intervalSeconds: number; timeoutSeconds: number };
}

export interface MesosTaskStatus {
  taskId: MesosValue;
  state: string;
  message: string;
  slaveId: MesosValue;
  executorId: MesosValue;
  source: 'SOURCE_EXECUTOR';
  /** Seconds since the epoch, as Mesos sends it. */
  timestamp: number;
  healthy?: boolean;
  checkStatus?: { type: 'COMMAND'; command: { exitCode: number } };
}

/** What the read model knows of one stored task besides its TaskInfo. */
export interface StoredTaskFacts {
  agentId: string;
  state: string | null;
  message: string;
  status: { readiness?: { passed: boolean; exitCode?: number } | null; healthy?: boolean | null; exitCode?: number | null } | null;
  updatedAt: string;
}

const byKey = <T>(entries: [string, T][]): [string, T][] => entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

function labels(record: Record<string, string>): MesosLabels {
  return { labels: byKey(Object.entries(record)).map(([key, value]) => ({ key, value })) };
}

/** One executor per pod instance, as the SDK had: its id follows the pod instance's reservation. */
function executorId(info: TaskInfo): MesosValue {
  return { value: `${info.podType}-${info.podIndex}__${info.labels['reservation_id'] ?? 'none'}` };
}

/** Consecutive port numbers as ranges, the way Mesos offers and reserves them. */
function portRanges(ports: number[]): { begin: number; end: number }[] {
  const out: { begin: number; end: number }[] = [];
  for (const p of [...ports].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && p === last.end + 1) last.end = p;
    else out.push({ begin: p, end: p });
  }
  return out;
}

function resources(info: TaskInfo): MesosResource[] {
  const reservation = { labels: labels({ resource_id: info.labels['reservation_id'] ?? '' }) };
  const scalar = (name: string, value: number): MesosResource => ({ name, type: 'SCALAR', scalar: { value }, reservation });
  const out: MesosResource[] = [scalar('cpus', info.resources.cpus), scalar('mem', info.resources.memory)];
  if (info.resources.gpus > 0) out.push(scalar('gpus', info.resources.gpus));
  if (info.resources.disk > 0) out.push(scalar('disk', info.resources.disk));
  const ports = info.ports.map((p) => p.port).filter((p) => p > 0);
  if (ports.length) out.push({ name: 'ports', type: 'RANGES', ranges: { range: portRanges(ports) }, reservation });
  for (const v of info.volumes) {
    out.push({
      ...scalar('disk', v.size),
      disk: {
        persistence: { id: v.persistenceId },
        volume: { containerPath: v.path, mode: 'RW' },
        ...(v.mountRoot ? { source: { type: 'MOUNT' as const, mount: { root: v.mountRoot } } } : {}),
      },
    });
  }
  return out;
}

export function mesosTaskInfo(info: TaskInfo, facts: Pick<StoredTaskFacts, 'agentId'>): MesosTaskInfo {
  return {
    name: info.taskName,
    taskId: { value: info.taskId },
    slaveId: { value: facts.agentId },
    resources: resources(info),
    command: {
      value: info.cmd,
      shell: true,
      environment: { variables: byKey(Object.entries(info.env)).map(([name, value]) => ({ name, value })) },
      uris: info.uris.map((value) => ({ value, extract: true })),
    },
    labels: labels({ ...info.labels, goal_state: info.goal }),
    executor: { executorId: executorId(info), name: `${info.podType}-${info.podIndex}`, command: { value: 'marshal-agent' } },
    killPolicy: { gracePeriod: { nanoseconds: info.killGracePeriod * 1e9 } },
    ...(info.healthCheck
      ? {
          healthCheck: {
            type: 'COMMAND' as const,
            command: { value: info.healthCheck.cmd },
            delaySeconds: info.healthCheck.delay,
            intervalSeconds: info.healthCheck.interval,
            timeoutSeconds: info.healthCheck.timeout,
            consecutiveFailures: info.healthCheck.maxConsecutiveFailures,
            gracePeriodSeconds: info.healthCheck.gracePeriod,
          },
        }
      : {}),
    // The SDK carried the readiness check as a Mesos check (reference §4.4.3).
    ...(info.readinessCheck
      ? {
          check: {
            type: 'COMMAND' as const,
            command: { command: { value: info.readinessCheck.cmd } },
            delaySeconds: info.readinessCheck.delay,
            intervalSeconds: info.readinessCheck.interval,
            timeoutSeconds: info.readinessCheck.timeout,
          },
        }
      : {}),
  };
}

/** The latest status as a Mesos TaskStatus; undefined while the task never reported one (the SDK omitted it). */
export function mesosTaskStatus(info: TaskInfo, facts: StoredTaskFacts): MesosTaskStatus | undefined {
  if (facts.state === null) return undefined;
  const readiness = facts.status?.readiness;
  return {
    taskId: { value: info.taskId },
    state: facts.state,
    message: facts.message,
    slaveId: { value: facts.agentId },
    executorId: executorId(info),
    source: 'SOURCE_EXECUTOR',
    timestamp: Date.parse(facts.updatedAt) / 1000,
    ...(typeof facts.status?.healthy === 'boolean' ? { healthy: facts.status.healthy } : {}),
    ...(readiness && typeof readiness.exitCode === 'number' ? { checkStatus: { type: 'COMMAND' as const, command: { exitCode: readiness.exitCode } } } : {}),
  };
}
