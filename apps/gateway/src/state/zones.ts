/** A stored task as the zone queries need it. */
export interface ZoneTask {
  taskName: string;
  /** The agent's hostname: the address `/v1/endpoints` gives for the task. */
  hostname: string;
  taskInfo: unknown;
}

function zoneOf(t: ZoneTask): string | undefined {
  return (t.taskInfo as { env?: Record<string, string> } | null)?.env?.['ZONE'];
}

/** `GET /v1/state/zone/tasks`: task → zone for the tasks launched with a `ZONE` (reference §6.6). */
export function taskZones(tasks: readonly ZoneTask[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of [...tasks].sort((a, b) => (a.taskName < b.taskName ? -1 : 1))) {
    const zone = zoneOf(t);
    if (zone !== undefined) out[t.taskName] = zone;
  }
  return out;
}

/** `GET /v1/state/zone/tasks/{task}`. */
export function zoneOfTask(tasks: readonly ZoneTask[], taskName: string): string | undefined {
  const t = tasks.find((x) => x.taskName === taskName);
  return t && zoneOf(t);
}

/**
 * `GET /v1/state/zone/{podType}/{ip}`: the zone of the first task whose name starts with the pod type and that runs at
 * that address. The original compared the container IP of the task's status; Marshal's tasks run on their agent's
 * host, so the address is the agent's hostname (as in the endpoints).
 */
export function zoneAt(tasks: readonly ZoneTask[], podType: string, ip: string): string | undefined {
  for (const t of tasks) {
    if (!t.taskName.startsWith(podType) || t.hostname !== ip) continue;
    const zone = zoneOf(t);
    if (zone !== undefined) return zone;
  }
  return undefined;
}
