import { randomUUID } from 'node:crypto';
import { Controller, Module } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload, Ctx } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { makeEvent, MarshalError, subjectsFor, type CommandRequest, type Recorded, type MarshalEvent } from '@marshal/contracts';
import { eventually, startNatsServer, type NatsServerHandle } from '@marshal/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { CommandBus } from './command-bus';
import { connectNats } from './connection';
import { EventStore } from './event-store';
import { JetStreamContext, JetStreamTransport, PassThroughRpcFilter } from './jetstream.transport';

const subjects = subjectsFor('cmdtest');
const meta = () => ({ commandId: randomUUID(), actor: 'operator:test', correlationId: randomUUID() });
const planCommand = (plan: string): CommandRequest<'plan.command'> => ({ meta: meta(), service: 'svc', plan, action: 'interrupt' });

describe('CommandBus and the Nest JetStream transport', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let bus: CommandBus;
  let store: EventStore;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'command-bus-test' });
    bus = new CommandBus(nc, subjects);
    store = await EventStore.open(nc, subjects);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('answers UNAVAILABLE when no service serves the command', async () => {
    await expect(bus.request('plan.command', planCommand('deploy'), { timeoutMs: 500, retries: 1, retryDelayMs: 10 })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });

  it('carries replies and domain errors, rejects malformed requests, and answers a retried command once', async () => {
    let runs = 0;
    const sub = bus.handle('plan.command', 'test', async (req) => {
      runs += 1;
      if (req.plan === 'missing') throw new MarshalError('NOT_FOUND', 'Plan missing not found');
      return { message: `Received cmd: ${req.action}`, seq: runs };
    });
    const req = planCommand('deploy');
    expect(await bus.request('plan.command', req)).toEqual({ message: 'Received cmd: interrupt', seq: 1 });
    expect(await bus.request('plan.command', req)).toEqual({ message: 'Received cmd: interrupt', seq: 1 });
    expect(runs).toBe(1);
    await expect(bus.request('plan.command', planCommand('missing'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Plan missing not found' });
    await expect(bus.request('plan.command', { ...planCommand('deploy'), action: 'explode' } as never)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const raw = await nc.request(subjects.command('plan.command'), 'not json', { timeout: 2000 });
    expect(raw.json()).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/not valid JSON/) } });
    sub.unsubscribe();
  });

  it('retries a request whose connection dropped at once when it is back, instead of waiting out its deadline', async () => {
    // The handler answers only after NATS has been restarted under the first attempt; the command id makes the retry
    // safe (the handler runs once).
    let runs = 0;
    let restarted = false;
    const sub = bus.handle('plan.command', 'test', async () => {
      runs += 1;
      await eventually(() => expect(restarted).toBe(true), { timeoutMs: 30_000 });
      return { message: 'done', seq: 1 };
    });
    await nc.flush();
    // A deadline far beyond the test's: only the dropped connection can end the first attempt in time.
    const reply = bus.request('plan.command', planCommand('deploy'), { timeoutMs: 600_000, retries: 2, retryDelayMs: 100 });
    await eventually(() => expect(runs).toBe(1));
    await nats.kill();
    await nats.start();
    restarted = true;
    await expect(reply).resolves.toEqual({ message: 'done', seq: 1 });
    expect(runs).toBe(1);
    await sub.drain();
  }, 30_000);

  it('answers a repeated query afresh: only mutations are remembered by command id', async () => {
    let runs = 0;
    const sub = bus.handle('plan.candidates', 'test', async () => ({ candidates: [], seq: ++runs }));
    const req = { meta: meta(), minSeq: 0 };
    expect(await bus.request('plan.candidates', req)).toEqual({ candidates: [], seq: 1 });
    expect(await bus.request('plan.candidates', req)).toEqual({ candidates: [], seq: 2 });
    sub.unsubscribe();
  });

  it('dispatches @EventPattern and @MessagePattern handlers through the Nest transport', async () => {
    const received: Recorded<MarshalEvent>[] = [];
    const pendings: number[] = [];

    @Controller()
    class Handlers {
      @EventPattern('AgentLost')
      onLost(@Payload() rec: Recorded<MarshalEvent>, @Ctx() ctx: JetStreamContext): void {
        received.push(rec);
        pendings.push(ctx.getPending());
      }

      @MessagePattern('pod.command')
      async pod(@Payload() req: CommandRequest<'pod.command'>): Promise<{ pod: string; tasks: string[]; seq: number }> {
        if (req.pod === 'nope') throw new MarshalError('NOT_FOUND', `Pod ${req.pod} not found`);
        return { pod: req.pod, tasks: [`${req.pod}-server`], seq: 0 };
      }
    }
    @Module({ controllers: [Handlers] })
    class TestModule {}

    const at = '2026-11-22T00:00:00.000Z';
    const ev = (id: string) => makeEvent('AgentLost', 'agent:n', { agentId: 'n', lastSeen: at, reason: 'test' }, { id, at, correlationId: id, causationId: null, actor: 'test' });
    await store.append(subjects.agent('n'), ev('one'));

    const transport = new JetStreamTransport({
      store,
      bus,
      queue: 'nest-test',
      sources: [{ kind: 'ordered', filter: subjects.allAgentEvents, fromSeq: async () => 1 }],
    });
    const app: INestMicroservice = await NestFactory.createMicroservice(TestModule, { strategy: transport, logger: false });
    app.useGlobalFilters(new PassThroughRpcFilter());
    await app.listen();
    await transport.caughtUp();
    expect(received.map((r) => r.event.id)).toEqual(['one']);
    await store.append(subjects.agent('n'), ev('two'));
    await eventually(() => expect(received.map((r) => r.event.id)).toEqual(['one', 'two']));
    expect(pendings).toEqual([0, 0]);

    const podReq = (pod: string): CommandRequest<'pod.command'> => ({ meta: meta(), service: 'svc', pod, action: 'restart' });
    expect(await bus.request('pod.command', podReq('hello-0'))).toEqual({ pod: 'hello-0', tasks: ['hello-0-server'], seq: 0 });
    await expect(bus.request('pod.command', podReq('nope'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Pod nope not found' });
    await app.close();
  });
});
