import { randomUUID } from 'node:crypto';
import {
  MarshalError,
  agentAggregate,
  makeEvent,
  subjectsFor,
  type Candidate,
  type MarshalEvent,
  type PodSpec,
  type Subjects,
} from '@marshal/contracts';
import { CommandBus, EventStore, connectNats, silentLogger, type Subscription } from '@marshal/messaging';
import { applyToLedger, emptyLedger, evaluateBatch, freeResources, type Ledger } from '@marshal/offer';
import { eventually, startNatsServer, type NatsServerHandle } from '@marshal/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { Placer, type PlacementResult } from './placer';

/**
 * "Many coordinators' worth of pressure cannot double-book" (reference §5): several writers, each with its own NATS
 * connection and its own view of the ledger, place pods on one agent at the same time through the coordinator's
 * real commit path, with real evaluators answering on the queue group. The log must never hold more reservations
 * than the agent has.
 */
const AGENT = { cpus: 4, memory: 4096, ports: { begin: 10000, end: 10009 } };
const WRITERS = 6;
const PODS_PER_WRITER = 6;

const meta = () => {
  const id = randomUUID();
  return { id, at: new Date().toISOString(), correlationId: id, causationId: null, actor: 'test' };
};

function podSpec(): PodSpec {
  return {
    type: 'p', count: PODS_PER_WRITER, allowDecommission: false, user: 'root', networks: [], rlimits: [], uris: [], preReservedRole: '*', secrets: [],
    sharePidNamespace: false, hostVolumes: [], externalVolumes: [], volumes: [],
    resourceSets: [{ id: 'server-resource-set', cpus: 0.5, memory: 256, ports: [{ name: 'http', port: 0, advertise: false, ranges: [] }], volumes: [] }],
    tasks: [{ name: 'server', goal: 'RUNNING', essential: true, cmd: 'true', env: {}, labels: {}, resourceSet: 'server-resource-set', configs: [], killGracePeriod: 0, transportEncryption: [] }],
  };
}

function candidates(service: string): Candidate[] {
  return Array.from({ length: PODS_PER_WRITER }, (_, i) => ({
    service, configId: `${service}-config`, plan: 'deploy', phaseId: 'ph', phase: 'p', stepId: `${service}-step-${i}`, step: `p-${i}:[server]`,
    kind: 'deployment', status: 'PENDING', podType: 'p', podIndex: i, tasks: ['server'], recoveryType: 'NONE', environment: {}, tasksToKill: [],
  }));
}

/** A process's view of the agents' ledger, folded from the log as the coordinator and the evaluators fold it. */
class LedgerView {
  readonly ledger: Ledger = emptyLedger();
  private sub?: Subscription;
  constructor(private readonly store: EventStore, private readonly subjects: Subjects) {}
  async start(): Promise<void> {
    this.sub = this.store.follow(this.subjects.allAgentEvents, (rec) => applyToLedger(this.ledger, rec));
    await this.sub.caughtUp;
  }
  reach(seq: number): Promise<void> {
    return eventually(() => {
      if (this.ledger.seq < seq) throw new Error(`ledger at ${this.ledger.seq}, wanted ${seq}`);
    }, { timeoutMs: 5_000, intervalMs: 2 });
  }
  stop(): Promise<void> | undefined {
    return this.sub?.stop();
  }
}

describe('concurrent commits on one agent never double-book', () => {
  let nats: NatsServerHandle;
  const subjects = subjectsFor(`dbl-${Date.now().toString(36)}`);
  const connections: NatsConnection[] = [];
  const views: LedgerView[] = [];
  let admin: EventStore;

  const connect = async (name: string): Promise<{ nc: NatsConnection; store: EventStore }> => {
    const nc = await connectNats({ servers: nats.url, name });
    connections.push(nc);
    return { nc, store: await EventStore.open(nc, subjects) };
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    admin = (await connect('admin')).store;
    await admin.append(
      subjects.agent('a1'),
      makeEvent('AgentRegistered', agentAggregate('a1'), {
        agentId: 'a1', hostname: 'a1', attributes: {}, resources: { cpus: AGENT.cpus, memory: AGENT.memory, disk: 1000, gpus: 0, ports: [AGENT.ports], mounts: [] },
      }, meta()),
    );
    // Two evaluators on the queue group, each with its own fold of the ledger (what apps/offer-evaluator does).
    for (let i = 0; i < 2; i++) {
      const { nc, store } = await connect(`evaluator-${i}`);
      const view = new LedgerView(store, subjects);
      await view.start();
      views.push(view);
      new CommandBus(nc, subjects).handle('offer.evaluate-batch', 'offer-evaluator', async (req) => {
        await view.reach(req.ledgerSeq);
        return { results: evaluateBatch({ candidates: req.candidates, configs: req.configs, ledger: view.ledger, startAt: req.startAt, maxOutcomes: req.maxOutcomes, maxOutcomesWithProposal: req.maxOutcomesWithProposal }), ledgerSeq: view.ledger.seq };
      });
    }
  });
  afterAll(async () => {
    await Promise.all(views.map((v) => v.stop()));
    for (const nc of connections) await nc.close();
    await nats?.stop();
  });

  it('one expected sequence, many writers at once: exactly one commit lands', async () => {
    const seq = await admin.lastSeq(subjects.agent('a0'));
    const writers = await Promise.all(Array.from({ length: 8 }, (_, i) => connect(`raw-${i}`)));
    const outcomes = await Promise.allSettled(
      writers.map(({ store }, i) =>
        store.append(
          subjects.agent('a0'),
          makeEvent('ResourcesReserved', agentAggregate('a0'), {
            agentId: 'a0', reservationId: `r${i}`, service: 's', podType: 'p', podIndex: i, resources: { cpus: 1, memory: 0, disk: 0, gpus: 0 }, ports: [], volumes: [],
          }, meta()),
          { expectedLastSubjectSeq: seq },
        ),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(rejected.map((o) => (o.reason as MarshalError).code)).toEqual(Array(7).fill('CONFLICT'));
  });

  it(`${WRITERS} coordinators placing ${WRITERS * PODS_PER_WRITER} pods on one agent fill it exactly, and never beyond`, async () => {
    const results: PlacementResult[][] = [];
    const placers: Placer[] = [];
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const { nc, store } = await connect(`writer-${w}`);
        const view = new LedgerView(store, subjects);
        await view.start();
        views.push(view);
        let committed = 0;
        const bus = new CommandBus(nc, subjects);
        const placer = new Placer(
          {
            store,
            subjects,
            evaluate: (req) => bus.request('offer.evaluate-batch', req, { timeoutMs: 10_000 }),
            ledgerSeq: () => Math.max(view.ledger.seq, committed),
            agentCount: () => view.ledger.agents.size,
            noteLedgerSeq: (seq) => (committed = Math.max(committed, seq)),
            newId: randomUUID,
            now: () => new Date().toISOString(),
            actor: `service:coordinator-${w}`,
            log: silentLogger,
          },
          // One pod per commit and three evaluations in flight: every writer also races itself.
          { batchSize: 1, inFlight: 3, maxRounds: 100, evaluationTimeoutMs: 10_000 },
        );
        placers.push(placer);
        const mine: PlacementResult[] = [];
        results.push(mine);
        const service = `svc-${w}`;
        await placer.place(candidates(service), { [`${service}-config`]: [podSpec()] }, (r) => mine.push(r));
      }),
    );

    // What the log says, folded from scratch.
    const ledger = emptyLedger();
    for await (const rec of admin.read(subjects.agent('a1'))) applyToLedger(ledger, rec as typeof rec & { event: MarshalEvent });
    const held = [...(ledger.agents.get('a1')?.reservations.values() ?? [])];
    const ports = held.flatMap((r) => r.ports);

    expect(held).toHaveLength(8); // 4 cpus / 0.5: full, and not one more
    expect(freeResources(ledger, 'a1')).toEqual({ cpus: 0, memory: AGENT.memory - 8 * 256, disk: 1000, gpus: 0 });
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.every((p) => p >= AGENT.ports.begin && p <= AGENT.ports.end)).toBe(true);

    // Every writer was told the truth: what it believes reserved is exactly what the log holds.
    const all = results.flat();
    expect(all.map((r) => r.kind).sort()).toEqual([...Array(8).fill('reserved'), ...Array(WRITERS * PODS_PER_WRITER - 8).fill('no-fit')].sort());
    const believed = all.flatMap((r) => (r.kind === 'reserved' ? [r.reservationId] : []));
    expect(new Set(believed)).toEqual(new Set(held.map((r) => r.reservationId)));
    // And the pressure was real: commits lost to other writers and were evaluated again.
    expect(placers.reduce((n, p) => n + p.stats.conflicts, 0)).toBeGreaterThan(0);
  });
});
