import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { subjectsFor, type CommandReply, type CommandRequest } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import { root, type Cluster, type PlanBody } from './support';

/** Helpers of the plan-engine e2e tests (reference §1–§3). */

const DCOS = join(root, 'libs', 'spec', 'fixtures', 'dcos');

/** The helloworld universe package (reference §8.3) with one of the helloworld examples as its svc.yml, in a temp dir. */
export function universePackage(example: string, edit: (yaml: string) => string = (y) => y): string {
  const dir = mkdtempSync(join(tmpdir(), 'marshal-pkg-'));
  cpSync(join(DCOS, 'universe'), dir, { recursive: true });
  writeFileSync(join(dir, 'svc.yml'), edit(readFileSync(join(DCOS, 'helloworld', example), 'utf8')));
  return dir;
}

export function writeOptions(options: Record<string, unknown>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'marshal-opts-')), 'options.json');
  writeFileSync(file, JSON.stringify(options));
  return file;
}

export async function plan(cluster: Cluster, service: string, name: string): Promise<PlanBody> {
  const r = await cluster.get<PlanBody>(`/v1/service/${encodeURIComponent(service)}/plans/${name}`);
  if (typeof r.body !== 'object') throw new Error(`plan ${name}: ${String(r.body)}`);
  return r.body;
}

/** `name=STATUS` of every step of a plan. */
export const steps = (p: PlanBody): string[] => p.phases.flatMap((ph) => ph.steps.map((s) => `${s.name}=${s.status}`));

export interface PodTask {
  id: string;
  name: string;
  status?: string;
}

export async function podTasks(cluster: Cluster, service: string, pod: string): Promise<PodTask[]> {
  const r = await cluster.get<{ tasks: PodTask[] }>(`/v1/service/${encodeURIComponent(service)}/pod/${pod}/status`);
  if (r.status !== 200) throw new Error(`pod ${pod}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.tasks;
}

/** Waits until the pod's task runs under a task id other than `not` (a relaunch), and returns it. */
export async function relaunched(cluster: Cluster, service: string, pod: string, task: string, not: string, status = 'RUNNING'): Promise<PodTask> {
  return eventually(
    async () => {
      const t = (await podTasks(cluster, service, pod)).find((x) => x.name === task);
      if (!t || t.id === not || t.status !== status) throw new Error(`${task} is ${JSON.stringify(t)}`);
      return t;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `${task} relaunched and ${status}` },
  );
}

/** A file in the sandbox of a task, on whichever agent ran it. */
export function sandboxFile(cluster: Cluster, agents: readonly string[], taskId: string, path: string): string {
  for (const a of agents) {
    const file = join(cluster.ensemble.agentDir(a), 'sandboxes', taskId, path);
    if (existsSync(file)) return readFileSync(file, 'utf8');
  }
  const seen = agents.flatMap((a) => {
    const dir = join(cluster.ensemble.agentDir(a), 'sandboxes');
    return existsSync(dir) ? readdirSync(dir) : [];
  });
  throw new Error(`no ${path} in the sandbox of ${taskId} (sandboxes: ${seen.join(', ')})`);
}

/** Sends a command straight to the services over NATS (for what the gateway does not expose yet, e.g. updates). */
export async function command<K extends 'spec.submit' | 'plan.candidates' | 'service.uninstall'>(cluster: Cluster, name: K, request: CommandRequest<K>): Promise<CommandReply<K>> {
  const nc = await connect(cluster.nats.clientOptions());
  try {
    const m = await nc.request(subjectsFor(cluster.namespace).command(name), JSON.stringify(request), { timeout: 30_000 });
    const reply = m.json<{ ok: boolean; data?: CommandReply<K>; error?: { message: string } }>();
    if (!reply.ok || !reply.data) throw new Error(`${name} failed: ${reply.error?.message}`);
    return reply.data;
  } finally {
    await nc.close();
  }
}

/** An update of a service's options, as `update start --options` would send it. */
export async function update(cluster: Cluster, service: string, options: Record<string, unknown>): Promise<CommandReply<'spec.submit'>> {
  const reply = await command(cluster, 'spec.submit', {
    meta: { commandId: `update-${Date.now()}`, actor: 'admin:e2e', correlationId: `update-${Date.now()}` },
    mode: 'update',
    service,
    options,
    replace: false,
  });
  if (!reply.accepted) throw new Error(`update rejected: ${JSON.stringify(reply.errors)}`);
  return reply;
}

/** Last sequence of the event log. */
export async function headSeq(cluster: Cluster): Promise<number> {
  const nc = await connect(cluster.nats.clientOptions());
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(subjectsFor(cluster.namespace).stream)).state.last_seq;
  } finally {
    await nc.close();
  }
}
