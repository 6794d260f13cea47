import { randomUUID } from 'node:crypto';
import { register } from 'prom-client';
import { makeEvent, MarshalError, subjectsFor, type MarshalEvent, type ParkedEvent } from '@marshal/contracts';
import { startNatsServer, eventually, type NatsServerHandle } from '@marshal/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from './connection';
import { EventStore, type Subscription } from './event-store';
import { PARKED_EVENTS_METRIC } from './parked-events';

const lost = (agentId: string, reason = 'test'): MarshalEvent => {
  const id = randomUUID();
  return makeEvent('AgentLost', `agent:${agentId}`, { agentId, lastSeen: '2026-11-22T00:00:00.000Z', reason }, {
    id,
    at: new Date().toISOString(),
    correlationId: id,
    causationId: null,
    actor: 'test',
  });
};

async function parkedMetric(consumer: string): Promise<number> {
  const m = await register.getSingleMetric(PARKED_EVENTS_METRIC)?.get();
  return m?.values.find((v) => v.labels.consumer === consumer)?.value ?? 0;
}

describe('poison events: bounded retries, parking, retry after a fix (real nats-server)', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  const subs: Subscription[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'parked-events-test' });
  });
  afterEach(async () => {
    await Promise.all(subs.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  async function fresh(): Promise<{ store: EventStore; subjects: ReturnType<typeof subjectsFor> }> {
    const subjects = subjectsFor(`pk-${randomUUID().slice(0, 8)}`);
    return { store: await EventStore.open(nc, subjects), subjects };
  }

  it('parks a non-JSON message and a schema-violating event at once, records them, and moves on', async () => {
    const { store, subjects } = await fresh();
    const subject = subjects.agent('a1');
    await store.append(subject, lost('a1', 'first'));
    const garbage = await store.js.publish(subject, new Uint8Array([0x7b, 0x00, 0xff, 0xfe]));
    const bad = await store.js.publish(subject, JSON.stringify({ ...lost('a1'), data: { agentId: 7 } }));
    await store.append(subject, lost('a1', 'last'));

    const seen: string[] = [];
    const parkedSeen: number[] = [];
    const sub = store.follow(subject, (rec) => void seen.push((rec.event.data as { reason: string }).reason), {
      poison: { consumer: 'tester-a', maxAttempts: 3, retryDelayMs: 10 },
      poisonListener: { parked: (e) => void parkedSeen.push(e.seq) },
    });
    subs.push(sub);
    await sub.caughtUp;
    await eventually(() => expect(seen).toEqual(['first', 'last']));

    const parked = await (await store.parkedEvents()).list();
    expect(parked.map((p) => [p.consumer, p.seq, p.reason])).toEqual([
      ['tester-a', garbage.seq, 'undecodable'],
      ['tester-a', bad.seq, 'invalid'],
    ]);
    expect(parked[1]).toMatchObject({ subject, type: 'AgentLost', attempts: 1, retries: 0 });
    expect(parked[1].error).toMatch(/\/data\/agentId/);
    expect(parkedSeen).toEqual([garbage.seq, bad.seq]);
    expect(sub.parked()).toBe(2);
    expect(await parkedMetric('tester-a')).toBe(2);
    // The events stay in the stream.
    expect((await store.jsm.streams.getMessage(store.stream, { seq: garbage.seq }))?.data).toEqual(new Uint8Array([0x7b, 0x00, 0xff, 0xfe]));
  });

  it('retries a deterministically failing handler a bounded number of times, parks it, and unparks it on retry after a fix', async () => {
    const { store, subjects } = await fresh();
    const subject = subjects.agent('b1');
    const poison = await store.append(subject, lost('b1', 'boom'));
    await store.append(subject, lost('b1', 'fine'));

    let fixed = false;
    let attempts = 0;
    const applied: string[] = [];
    const sub = store.follow(
      subject,
      (rec) => {
        const reason = (rec.event.data as { reason: string }).reason;
        if (reason === 'boom' && !fixed) {
          attempts++;
          throw new Error('cannot apply boom');
        }
        applied.push(reason);
      },
      { poison: { consumer: 'tester-b', maxAttempts: 3, retryDelayMs: 5 } },
    );
    subs.push(sub);
    await eventually(() => expect(applied).toEqual(['fine']));
    expect(attempts).toBe(3);
    const parked = await store.parkedEvents();
    expect(await parked.list()).toEqual([
      expect.objectContaining<Partial<ParkedEvent>>({ consumer: 'tester-b', seq: poison.seq, reason: 'handler', attempts: 3, error: 'Error: cannot apply boom' }),
    ]);

    // A retry before the fix fails again: still parked, with the retry counted.
    parked.requestRetry(poison.seq);
    await eventually(async () => expect(await parked.get('tester-b', poison.seq)).toMatchObject({ retries: 1, attempts: 6 }));
    expect(applied).toEqual(['fine']);

    fixed = true;
    parked.requestRetry(poison.seq);
    await eventually(async () => expect(await parked.list()).toEqual([]));
    expect(applied).toEqual(['fine', 'boom']);
    expect(sub.parked()).toBe(0);
  });

  it('keeps retrying a transient failure without parking it', async () => {
    const { store, subjects } = await fresh();
    const subject = subjects.agent('c1');
    await store.append(subject, lost('c1'));
    let calls = 0;
    const sub = store.follow(
      subject,
      () => {
        calls++;
        if (calls <= 8) throw new MarshalError('UNAVAILABLE', 'database is restarting');
      },
      { poison: { consumer: 'tester-c', maxAttempts: 2, retryDelayMs: 5 } },
    );
    subs.push(sub);
    await sub.caughtUp;
    await eventually(() => expect(calls).toBe(9));
    expect(await (await store.parkedEvents()).list()).toEqual([]);
  });

  it('a replay meets an event it parked before: skipped at once, no second count; applied if the handler now can', async () => {
    const { store, subjects } = await fresh();
    const subject = subjects.agent('d1');
    const poison = await store.append(subject, lost('d1', 'boom'));
    let calls = 0;
    const first = store.follow(
      subject,
      () => {
        calls++;
        throw new Error('still broken');
      },
      { poison: { consumer: 'tester-d', maxAttempts: 2, retryDelayMs: 5 } },
    );
    await first.caughtUp;
    await eventually(() => expect(first.parked()).toBe(1));
    await first.stop();
    expect(calls).toBe(2);
    const counted = await parkedMetric('tester-d');

    calls = 0;
    const again = store.follow(subject, () => {
      calls++;
    }, { poison: { consumer: 'tester-d', maxAttempts: 2, retryDelayMs: 5 } });
    subs.push(again);
    await again.caughtUp;
    await eventually(async () => expect(await (await store.parkedEvents()).get('tester-d', poison.seq)).toBeUndefined());
    expect(calls).toBe(1);
    expect(await parkedMetric('tester-d')).toBe(counted);
  });
});
