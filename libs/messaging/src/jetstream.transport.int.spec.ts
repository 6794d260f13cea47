import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Registry, type Counter } from 'prom-client';
import { makeEvent, subjectsFor, type MarshalEvent, type Recorded } from '@marshal/contracts';
import { eventually, startNatsServer, type NatsServerHandle } from '@marshal/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { CommandBus } from './command-bus';
import { connectNats } from './connection';
import { EventStore } from './event-store';
import { JetStreamTransport, UNHANDLED_EVENTS_METRIC } from './jetstream.transport';
import type { Logger } from './logger';

const subjects = subjectsFor('unbound');
const at = '2026-11-22T00:00:00.000Z';
const meta = (id: string) => ({ id, at, correlationId: id, causationId: null, actor: 'test' });
const lost = (id: string): MarshalEvent => makeEvent('AgentLost', 'agent:n', { agentId: 'n', lastSeen: at, reason: 'test' }, meta(id));
const registered = (id: string): MarshalEvent =>
  makeEvent(
    'AgentRegistered',
    'agent:n',
    { agentId: 'n', hostname: 'n', attributes: {}, resources: { cpus: 1, memory: 1, disk: 0, gpus: 0, ports: [], mounts: [] } },
    meta(id),
  );

/** A logger that keeps what it was told, to see what an operator would read. */
function recordingLogger(): Logger & { warnings: { obj: object; msg?: string }[] } {
  const warnings: { obj: object; msg?: string }[] = [];
  return { warnings, debug: () => undefined, info: () => undefined, error: () => undefined, warn: (obj, msg) => void warnings.push({ obj, msg }) };
}

describe('JetStreamTransport: events no handler is bound to', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let store: EventStore;
  let bus: CommandBus;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'transport-test' });
    store = await EventStore.open(nc, subjects);
    bus = new CommandBus(nc, subjects);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('are counted by type and logged once per type, while bound events reach their handler', async () => {
    const received: string[] = [];
    @Controller()
    class OnlyLost {
      @EventPattern('AgentLost')
      onLost(@Payload() rec: Recorded<MarshalEvent>): void {
        received.push(rec.event.id);
      }
    }
    @Module({ controllers: [OnlyLost] })
    class TestModule {}

    await store.append(subjects.agent('n'), registered('r1'));
    await store.append(subjects.agent('n'), lost('l1'));
    await store.append(subjects.agent('n'), registered('r2'));

    const registry = new Registry();
    const log = recordingLogger();
    const transport = new JetStreamTransport({
      store,
      bus,
      queue: 'unbound-test',
      sources: [{ kind: 'ordered', filter: subjects.allAgentEvents, fromSeq: async () => 1 }],
      log,
      registry,
    });
    const app: INestMicroservice = await NestFactory.createMicroservice(TestModule, { strategy: transport, logger: false });
    await app.listen();
    await transport.caughtUp();
    await store.append(subjects.agent('n'), registered('r3'));
    await store.append(subjects.agent('n'), lost('l2'));
    await eventually(() => expect(received).toEqual(['l1', 'l2']));

    const counter = registry.getSingleMetric(UNHANDLED_EVENTS_METRIC) as Counter<'type'>;
    const values = (await counter.get()).values.map((v) => ({ type: v.labels.type, n: v.value }));
    expect(values).toEqual([{ type: 'AgentRegistered', n: 3 }]);
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0].obj).toMatchObject({ type: 'AgentRegistered', subject: subjects.agent('n'), seq: 1, queue: 'unbound-test' });
    expect(log.warnings[0].msg).toMatch(/no @EventPattern handler is bound for AgentRegistered events/);
    await app.close();
  });
});
