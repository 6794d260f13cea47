import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { isLaunchOver, podInstanceName, subjectsFor, type MarshalEvent, type Recorded, type Subjects } from '@marshal/contracts';
import { EventStore } from '@marshal/messaging';
import { connectDataSource, createGeneration, dumpReadModels, listGenerations, projectBatch } from '@marshal/persistence';
import { SERVICES, eventually, processesUnder } from '@marshal/testing';
import { root, type Cluster, type PlanBody } from './support';

/** The fault suite (docs/architecture.md): a deploy on real agents while every part of the ensemble is crashed in turn. */

/** A small seeded generator (mulberry32), so a run's faults can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type DeployStrategy = 'serial' | 'parallel';

/** hello-world (examples/) with a deploy plan of the given strategy, in a temp dir. */
export function helloPackage(strategy: DeployStrategy): string {
  const dir = mkdtempSync(join(tmpdir(), 'marshal-faults-pkg-'));
  cpSync(join(root, 'examples', 'hello-world'), dir, { recursive: true });
  const yml = readFileSync(join(dir, 'svc.yml'), 'utf8');
  writeFileSync(join(dir, 'svc.yml'), `${yml.trimEnd()}\nplans:\n  deploy:\n    strategy: ${strategy}\n    phases:\n      hello:\n        strategy: ${strategy}\n        pod: hello\n`);
  return dir;
}

export interface Fault {
  /** Fraction of the deploy's steps complete when it strikes (0 = right after the install). */
  atProgress: number;
  /** A service process, an agent (`agent-<id>`), `nats` or `postgres`. */
  target: string;
  /** How long it stays down before it is started again. */
  downMs: number;
}

/** Every service, one agent, the NATS server and the PostgreSQL server, each crashed once at a random point of the deploy. */
export function faultPlan(random: () => number, agents: readonly string[]): Fault[] {
  const agent = agents[Math.floor(random() * agents.length)];
  const targets = [...SERVICES, `agent-${agent}`, 'nats', 'postgres'];
  return targets
    .map((target) => ({ atProgress: Math.round(random() * 90) / 100, target, downMs: Math.round(random() * 1_500) }))
    .sort((a, b) => a.atProgress - b.atProgress);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the chaos publisher injects: each a message no consumer can apply, which every consumer must park. */
export const CHAOS_KINDS = ['garbage', 'nul', 'oversized', 'schema'] as const;
export type ChaosKind = (typeof CHAOS_KINDS)[number];

/** One chaos injection of each kind at a random point of the deploy (targets `chaos:<kind>` in the fault schedule). */
export function chaosPlan(random: () => number): Fault[] {
  return CHAOS_KINDS.map((kind) => ({ atProgress: Math.round(random() * 90) / 100, target: `chaos:${kind}`, downMs: 0 }));
}

/** The bytes of one injection: not JSON, NUL-laden, about 600 KB, or a well-formed envelope whose data breaks its schema. */
export function chaosPayload(kind: ChaosKind, random: () => number): Uint8Array {
  const envelope = (type: string, data: unknown, text = 'chaos') =>
    JSON.stringify({ id: randomUUID(), type, version: 1, aggregate: `chaos:${text}`, at: new Date().toISOString(), correlationId: text, causationId: null, actor: text, data });
  switch (kind) {
    case 'garbage':
      return Uint8Array.from({ length: 64 + Math.floor(random() * 512) }, () => Math.floor(random() * 256));
    case 'nul':
      return new TextEncoder().encode(envelope('TaskStatus\u0000Updated', { taskId: '\u0000\u0000', message: 'a\u0000b' }, 'nul\u0000'));
    case 'oversized':
      return new TextEncoder().encode(envelope('TaskStatusUpdated', { message: 'x'.repeat(600 * 1024) }));
    case 'schema':
      return new TextEncoder().encode(envelope('AgentRegistered', { agentId: Math.floor(random() * 1000), cpus: 'many' }));
  }
}

/**
 * A test tool standing for a compromised role: it publishes messages no consumer can apply straight onto event
 * subjects, bypassing every check an append makes. It connects with the options it is given (servers, and the
 * credentials of the role it impersonates). Subjects are those of aggregates the deploy does not depend on (a service
 * nobody installed, on a real agent; an agent that does not exist), so the deploy must go on around them.
 */
export class ChaosPublisher {
  /** Sequence → kind and subject of every message injected. */
  readonly injected = new Map<number, { kind: ChaosKind; subject: string }>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly agents: readonly string[],
    private readonly random: () => number,
  ) {}

  static async connect(options: NodeConnectionOptions, namespace: string, agents: readonly string[], random: () => number): Promise<ChaosPublisher> {
    const nc = await connect({ maxReconnectAttempts: -1, reconnectTimeWait: 100, ...options, name: 'chaos-publisher' });
    return new ChaosPublisher(nc, subjectsFor(namespace), agents, random);
  }

  private subject(n: number): string {
    if (this.random() < 0.5) return this.subjects.serviceTask(`chaos-${n}`, this.agents[Math.floor(this.random() * this.agents.length)]);
    return this.subjects.agent(`ghost-${n}`);
  }

  /** Publishes one message of `kind`, retrying through a NATS outage; its message id makes a retry land once. */
  async inject(kind: ChaosKind): Promise<{ seq: number; subject: string }> {
    const subject = this.subject(this.injected.size);
    const data = chaosPayload(kind, this.random);
    const msgID = randomUUID();
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const ack = await jetstream(this.nc, { timeout: 2_000 }).publish(subject, data, { msgID });
        this.injected.set(ack.seq, { kind, subject });
        return { seq: ack.seq, subject };
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(200);
      }
    }
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

/** Completed steps of a plan / all its steps, or undefined while the gateway cannot answer. */
async function progress(cluster: Cluster, service: string, plan: string): Promise<number | undefined> {
  try {
    const r = await cluster.get<PlanBody>(`/v1/service/${encodeURIComponent(service)}/plans/${plan}`);
    if (typeof r.body !== 'object' || !Array.isArray(r.body.phases)) return undefined;
    const steps = r.body.phases.flatMap((p) => p.steps);
    return steps.length ? steps.filter((s) => s.status === 'COMPLETE').length / steps.length : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the faults one after another, each once the deploy plan has reached its point (polling the gateway, which
 * may itself be down for a while); a fault whose point the deploy passed while the previous one was being restarted
 * strikes at once.
 */
export async function inject(cluster: Cluster, service: string, faults: readonly Fault[], log: (line: string) => void, chaos?: ChaosPublisher): Promise<void> {
  const t0 = Date.now();
  let done = 0;
  for (const f of faults) {
    while (done < f.atProgress) {
      await sleep(100);
      done = (await progress(cluster, service, 'deploy')) ?? done;
    }
    if (f.target.startsWith('chaos:')) {
      if (!chaos) throw new Error(`${f.target} needs a chaos publisher`);
      const { seq, subject } = await chaos.inject(f.target.slice('chaos:'.length) as ChaosKind);
      log(`+${Date.now() - t0} ms, deploy ${Math.round(done * 100)}% (due at ${Math.round(f.atProgress * 100)}%): ${f.target} injected at seq ${seq} on ${subject}`);
      continue;
    }
    log(`+${Date.now() - t0} ms, deploy ${Math.round(done * 100)}% (due at ${Math.round(f.atProgress * 100)}%): SIGKILL ${f.target}, down ${f.downMs} ms`);
    if (f.target === 'nats') {
      await cluster.nats.kill();
      await sleep(f.downMs);
      await cluster.nats.start();
    } else if (f.target === 'postgres') {
      if (!cluster.pg) throw new Error('the fault suite needs a cluster with its own PostgreSQL (ownPostgres)');
      await cluster.pg.kill();
      await sleep(f.downMs);
      await cluster.pg.start();
    } else {
      const p = cluster.ensemble.process(f.target);
      await p.kill();
      await sleep(f.downMs);
      p.start();
    }
  }
}

/** Pod instance (`hello-3`) → the task sandboxes that have a live process, across every agent. */
export function liveSandboxes(cluster: Cluster): Map<string, Set<string>> {
  const byInstance = new Map<string, Set<string>>();
  for (const { cwd } of processesUnder(join(cluster.stateDir, 'agents'))) {
    const m = /\/sandboxes\/([^/]+)/.exec(cwd);
    if (!m) continue;
    const instance = /__([a-z0-9-]+-\d+)-[a-z0-9-]+__/.exec(m[1])?.[1] ?? m[1];
    const set = byInstance.get(instance) ?? new Set<string>();
    set.add(m[1]);
    byInstance.set(instance, set);
  }
  return byInstance;
}

/** The whole log, read from the cluster's NATS, and the stream's own message count. */
export async function readLog(cluster: Cluster): Promise<{ events: Recorded<MarshalEvent>[]; messages: number; lastSeq: number; notEvents: number[] }> {
  const nc = await connect(cluster.nats.clientOptions());
  try {
    const subjects = subjectsFor(cluster.namespace);
    const store = await EventStore.open(nc, subjects);
    const notEvents: number[] = [];
    const events = await store.readAll(subjects.allEvents, { onPoison: (at) => notEvents.push(at.seq) });
    const info = await (await jetstreamManager(nc)).streams.info(subjects.stream);
    return { events, messages: info.state.messages, lastSeq: info.state.last_seq, notEvents };
  } finally {
    await nc.close();
  }
}

export interface Launch {
  taskId: string;
  seq: number;
  /** Sequence of the task's first terminal status (TASK_LOST included), if the log has one. */
  endedAt?: number;
}

/** Every pod instance's launches (TaskLaunched) with when each ended, from the log. */
export function launchHistory(events: readonly Recorded<MarshalEvent>[]): Map<string, Launch[]> {
  const byInstance = new Map<string, Launch[]>();
  const byTask = new Map<string, Launch>();
  for (const r of events) {
    if (r.event.type === 'TaskLaunched') {
      const { taskId, podType, podIndex } = r.event.data.task;
      const launch: Launch = { taskId, seq: r.seq };
      byTask.set(taskId, launch);
      const instance = podInstanceName(podType, podIndex);
      byInstance.set(instance, [...(byInstance.get(instance) ?? []), launch]);
    } else if (r.event.type === 'TaskStatusUpdated' && isLaunchOver(r.event.data.state)) {
      const launch = byTask.get(r.event.data.taskId);
      if (launch && launch.endedAt === undefined) launch.endedAt = r.seq;
    }
  }
  return byInstance;
}

/**
 * Pod instances launched again while an earlier launch had not ended, by the log: a duplicate launch. (A relaunch
 * after a launch ended — the agent died before it started the process, say — is recovery, not a duplicate.)
 */
export function overlappingLaunches(launches: Map<string, Launch[]>): string[] {
  const found: string[] = [];
  for (const [instance, list] of launches) {
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1];
      if (before.endedAt === undefined || before.endedAt > list[i].seq) found.push(`${instance}: ${list[i].taskId} launched while ${before.taskId} had not ended`);
    }
  }
  return found;
}

export interface LogCheck {
  /** Rows of the audit table the projector wrote, and the projector's checkpoint. */
  projected: number;
  checkpoint: number;
  /** Messages in the stream, and its last sequence. */
  messages: number;
  lastSeq: number;
  /** Sequences of messages that are not events of the catalogue (what the chaos publisher injected): parked, not projected. */
  notEvents: number[];
  /** Pod instance → its launches in log order, from the log. */
  launches: Map<string, Launch[]>;
  /** Read-model tables whose rows differ between the live generation and a rebuild from sequence 1. */
  differingTables: string[];
  /** Sequence of the last message of the log that is an event. */
  lastEventSeq: number;
}

/**
 * With every producer stopped: waits for the projector to hold the whole log, then rebuilds the read models from
 * sequence 1 into a new generation (the projector's own batch code, in this process) and compares it with the one
 * the crashed-and-restarted projector built, row for row.
 */
export async function checkLog(cluster: Cluster): Promise<LogCheck> {
  const ds = await connectDataSource({ url: cluster.db.url, poolSize: 2 });
  try {
    const log = await readLog(cluster);
    // The projector's checkpoint is the last event it applied: a message that is no event (parked) after it is passed
    // only when the next event comes (docs/architecture.md "Poison events", known limitation).
    const lastEventSeq = log.events.at(-1)?.seq ?? 0;
    const { checkpoint, projected } = await eventually(
      async () => {
        const [{ seq }] = (await ds.query(`SELECT seq FROM projector_checkpoints WHERE name = 'read-models'`)) as { seq: string }[];
        if (Number(seq) < lastEventSeq) throw new Error(`the projector holds ${seq} of ${lastEventSeq} events`);
        const [{ n }] = (await ds.query(`SELECT count(*) AS n FROM events`)) as { n: string }[];
        return { checkpoint: Number(seq), projected: Number(n) };
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'projector caught up' },
    );
    // Nothing may write the read models while they are compared.
    await cluster.ensemble.process('state-projector').stop();

    const launches = launchHistory(log.events);

    const active = (await listGenerations(ds)).find((g) => g.state === 'active');
    if (!active) throw new Error('no active read-model generation');
    const { generation } = await createGeneration(ds, 'test:faults');
    const subjects = subjectsFor(cluster.namespace);
    for (let i = 0; i < log.events.length; i += 1_000) {
      await projectBatch(ds, subjects, log.events.slice(i, i + 1_000), { generation: generation.id });
    }
    const live = await dumpReadModels(ds, active.schema);
    const rebuilt = await dumpReadModels(ds, generation.schema);
    const differingTables = Object.keys(live).filter((t) => JSON.stringify(live[t]) !== JSON.stringify(rebuilt[t]));
    return { projected, checkpoint, messages: log.messages, lastSeq: log.lastSeq, notEvents: log.notEvents, launches, differingTables, lastEventSeq };
  } finally {
    await ds.destroy();
  }
}
