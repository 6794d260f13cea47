import { CliError } from '../client';

interface TaskJson {
  name?: string;
  status?: string;
}
interface InstanceJson {
  name?: string;
  tasks?: TaskJson[];
}
interface ServiceJson {
  service?: string;
  pods?: { name?: string; instances?: InstanceJson[] }[];
}

const or = (v: string | undefined): string => (v ? v : '<UNKNOWN>');
const branch = (last: boolean) => (last ? '└─ ' : '├─ ');
const indent = (last: boolean) => (last ? '   ' : '│  ');

function parse<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new CliError(`Failed to parse JSON in ${what} response: ${(e as Error).message}`);
  }
}

/** The whole service's pod tree of the original CLI (`toServiceTree`, reference §7.3). */
export function toServiceTree(text: string): string {
  const s = parse<ServiceJson>(text, 'pods');
  const lines = [or(s.service)];
  const pods = s.pods ?? [];
  pods.forEach((pod, i) => {
    const lastPod = i === pods.length - 1;
    lines.push(`${branch(lastPod)}${or(pod.name)}`);
    const instances = pod.instances ?? [];
    instances.forEach((inst, j) => {
      const lastInst = j === instances.length - 1;
      lines.push(`${indent(lastPod)}${branch(lastInst)}${or(inst.name)}`);
      const tasks = inst.tasks ?? [];
      tasks.forEach((t, k) => lines.push(`${indent(lastPod)}${indent(lastInst)}${branch(k === tasks.length - 1)}${or(t.name)} (${or(t.status)})`));
    });
  });
  return lines.join('\n') + '\n';
}

/** One pod instance's tree (`toSinglePodTree`, reference §7.3): its tasks right under its name. */
export function toSinglePodTree(text: string): string {
  const p = parse<InstanceJson>(text, 'pod');
  const tasks = p.tasks ?? [];
  return [or(p.name), ...tasks.map((t, i) => `${branch(i === tasks.length - 1)}${or(t.name)} (${or(t.status)})`)].join('\n') + '\n';
}
