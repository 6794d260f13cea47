import 'reflect-metadata';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { Registry, type Counter } from 'prom-client';
import { agentAggregate, makeEvent, subjectsFor, type EventData, type EventType, type MarshalEvent } from '@marshal/contracts';
import { CommandBus, EventStore, JetStreamTransport, UNHANDLED_EVENTS_METRIC, connectNats } from '@marshal/messaging';
import { freeResources } from '@marshal/offer';
import { ServiceContextModule, type ServiceContext } from '@marshal/runtime';
import { startNatsServer, type NatsServerHandle } from '@marshal/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { EvaluatorModule } from './evaluator.module';
import { LedgerService } from './ledger.service';

// A namespace other than the default one: the ledger must recognise agent subjects by the service's own subjects.
const subjects = subjectsFor('evaluator-test');
let n = 0;
const event = <T extends EventType>(type: T, agentId: string, data: EventData<T>): MarshalEvent =>
  makeEvent(type, agentAggregate(agentId), data, { id: `e${++n}`, at: '2026-11-22T00:00:00.000Z', correlationId: 'c', causationId: null, actor: 'test' }) as MarshalEvent;
const resources = { cpus: 2, memory: 1024, disk: 0, gpus: 0, ports: [], mounts: [] };

describe('offer-evaluator ledger fold over the real transport', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let store: EventStore;
  let app: INestMicroservice;
  let registry: Registry;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'evaluator-test' });
    store = await EventStore.open(nc, subjects);
    const bus = new CommandBus(nc, subjects);
    registry = new Registry();
    const transport = new JetStreamTransport({
      store,
      bus,
      queue: 'offer-evaluator-test',
      sources: [{ kind: 'ordered', filter: subjects.allAgentEvents, fromSeq: async () => 1 }],
      registry,
    });
    const ctx = { subjects, config: { LEDGER_WAIT_MS: 5_000 } } as unknown as ServiceContext;
    @Module({ imports: [ServiceContextModule.forRoot(ctx), EvaluatorModule] })
    class Root {}
    app = await NestFactory.createMicroservice(Root, { strategy: transport, logger: false });
    await app.listen();
  });
  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await nats?.stop();
  });

  it('folds the agent events it knows, keeps the sequence of the others, and leaves none unhandled', async () => {
    const ledger = app.get(LedgerService);
    const agent = subjects.agent('a/1');
    await store.append(agent, event('AgentRegistered', 'a/1', { agentId: 'a/1', hostname: 'h1', attributes: {}, resources }));
    const reserved = await store.append(
      agent,
      event('ResourcesReserved', 'a/1', {
        agentId: 'a/1', reservationId: 'r1', service: 's', podType: 'p', podIndex: 0, resources: { cpus: 0.5, memory: 0, disk: 0, gpus: 0 }, ports: [], volumes: [],
      }),
    );
    await ledger.reach(reserved.seq, 5_000);
    expect(freeResources(ledger.ledger, 'a/1')?.cpus).toBe(1.5);

    // An event type the ledger does not fold, on an agent subject: it still moves the agent's sequence (commits expect
    // it), and an evaluation asking for its sequence does not wait out LEDGER_WAIT_MS.
    const other = await store.append(agent, event('TaskKillRequested', 'a/1', { service: 's', agentId: 'a/1', taskId: 't', taskName: 'n', reason: 'r' }));
    const started = Date.now();
    await ledger.reach(other.seq, 5_000);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(ledger.ledger.seq).toBe(other.seq);
    expect(ledger.ledger.agents.get('a/1')?.seq).toBe(other.seq);
    expect(ledger.ledger.agents.get('a/1')?.reservations.size).toBe(1);

    const counter = registry.getSingleMetric(UNHANDLED_EVENTS_METRIC) as Counter<'type'>;
    expect((await counter.get()).values).toEqual([]);
  });
});
