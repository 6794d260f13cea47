import { randomUUID } from 'node:crypto';
import { makeEvent, subjectsFor, type MarshalEvent } from '@marshal/contracts';
import { eventually, startNatsServer, type NatsServerHandle } from '@marshal/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from './connection';
import { EventStore } from './event-store';

const subjects = subjectsFor('recovery');
const lost = (agentId: string): MarshalEvent =>
  makeEvent('AgentLost', `agent:${agentId}`, { agentId, lastSeen: '2026-11-22T00:00:00.000Z', reason: 'test' }, {
    id: randomUUID(),
    at: new Date().toISOString(),
    correlationId: 'c',
    causationId: null,
    actor: 'test',
  });

/** Services must resume by themselves after NATS restarts and when a consumer stalls or disappears (docs/architecture.md). */
describe('consumers that recover by themselves', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let store: EventStore;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'recovery-test', reconnectTimeWaitMs: 100 });
    store = await EventStore.open(nc, subjects);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('keeps following the log in order, without gaps or repeats, across a nats-server crash and restart', async () => {
    const seen: number[] = [];
    const sub = store.follow(subjects.agent('f'), (rec) => void seen.push(rec.seq), { expiresMs: 1_000 });
    const first = await store.append(subjects.agent('f'), lost('f'));
    await eventually(() => expect(seen).toEqual([first.seq]));

    await nats.kill();
    await nats.start();
    // Appends made after the restart (the store retries while NATS is away) arrive once each, in order.
    const after = [await store.append(subjects.agent('f'), lost('f')), await store.append(subjects.agent('f'), lost('f'))];
    await eventually(() => expect(seen).toEqual([first.seq, ...after.map((a) => a.seq)]), { timeoutMs: 20_000 });
    await sub.stop();
  });

  it('re-creates a durable consumer deleted under it and goes on delivering', async () => {
    const seen: number[] = [];
    const sub = await store.durable('recovery-durable', subjects.agent('d'), (rec) => void seen.push(rec.seq), { expiresMs: 1_000 });
    const a = await store.append(subjects.agent('d'), lost('d'));
    await eventually(() => expect(seen).toEqual([a.seq]));

    await store.jsm.consumers.delete(store.stream, 'recovery-durable');
    const b = await store.append(subjects.agent('d'), lost('d'));
    // A re-created durable consumer starts from the beginning of its filter: at-least-once, so `a` may come again.
    await eventually(() => expect(seen).toContain(b.seq), { timeoutMs: 20_000 });
    expect(await store.jsm.consumers.info(store.stream, 'recovery-durable')).toMatchObject({ config: { durable_name: 'recovery-durable' } });
    await sub.stop();
  });
});
