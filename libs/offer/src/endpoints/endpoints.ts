import type { TaskInfo } from '@marshal/contracts';

/** One port endpoint as `GET /v1/endpoints/{name}` shows it (reference §6.5). */
export interface EndpointView {
  address: string[];
  dns: string[];
  vip?: string;
}

export interface EndpointTask {
  /** Hostname of the agent the task runs on (Marshal tasks share their agent's network). */
  hostname: string;
  task: TaskInfo;
}

/**
 * Endpoints of a service from its tasks' TaskInfos (reference §6.5): every advertised port by name, one address and
 * one DNS name per task exposing it, the VIP when the port has one (the last task's wins, as in the original).
 * DNS names use the task's `FRAMEWORK_HOST`, VIPs its `FRAMEWORK_VIP_HOST` (reference §4.11).
 */
export function serviceEndpoints(tasks: readonly EndpointTask[]): Map<string, EndpointView> {
  const out = new Map<string, EndpointView>();
  const sorted = [...tasks].sort((a, b) => a.task.taskName.localeCompare(b.task.taskName));
  for (const { hostname, task } of sorted) {
    const frameworkHost = task.env['FRAMEWORK_HOST'] ?? '';
    const vipHost = task.env['FRAMEWORK_VIP_HOST'] ?? '';
    for (const port of task.ports) {
      if (!port.advertise) continue;
      const view = out.get(port.name) ?? { address: [], dns: [] };
      view.address.push(`${hostname}:${port.port}`);
      view.dns.push(`${task.taskName}.${frameworkHost}:${port.port}`);
      if (port.vip) view.vip = `${port.vip.prefix}.${vipHost}:${port.vip.port}`;
      out.set(port.name, view);
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
