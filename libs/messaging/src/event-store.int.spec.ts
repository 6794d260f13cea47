import { randomUUID } from 'node:crypto';
import { makeEvent, MarshalError, subjectsFor, type MarshalEvent, type Recorded } from '@marshal/contracts';
import { startNatsServer, eventually, type NatsServerHandle } from '@marshal/testing';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats } from './connection';
import { EventStore } from './event-store';

const subjects = subjectsFor('evtest');
const lost = (agentId: string, id: string = randomUUID()): MarshalEvent =>
  makeEvent('AgentLost', `agent:${agentId}`, { agentId, lastSeen: '2026-11-22T00:00:00.000Z', reason: 'test' }, {
    id,
    at: new Date().toISOString(),
    correlationId: id,
    causationId: null,
    actor: 'test',
  });

describe('EventStore against a real nats-server', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let store: EventStore;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connectNats({ servers: nats.url, name: 'event-store-test' });
    store = await EventStore.open(nc, subjects);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it('de-duplicates a retried append by its message id', async () => {
    const e = lost('dedupe');
    const first = await store.append(subjects.agent('dedupe'), e);
    const again = await store.append(subjects.agent('dedupe'), e);
    expect(again).toEqual({ seq: first.seq, duplicate: true });
    expect(await store.readAll(subjects.agent('dedupe'))).toHaveLength(1);
  });

  it('reads one event back by its sequence, so a de-duplicated retry can answer with what was stored', async () => {
    const e = lost('get');
    const { seq } = await store.append(subjects.agent('get'), e);
    expect(await store.get(seq)).toEqual({ seq, subject: subjects.agent('get'), event: e });
    expect(await store.get(seq + 1000)).toBeUndefined();
  });

  it('refuses an append whose expected subject sequence is stale, and accepts the right one', async () => {
    const subject = subjects.agent('occ');
    const a = await store.append(subject, lost('occ'), { expectedLastSubjectSeq: 0 });
    await expect(store.append(subject, lost('occ'), { expectedLastSubjectSeq: 0 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(store.append(subject, lost('occ'), { expectedLastSubjectSeq: 0 })).rejects.toBeInstanceOf(MarshalError);
    const b = await store.append(subject, lost('occ'), { expectedLastSubjectSeq: a.seq });
    expect(b.seq).toBeGreaterThan(a.seq);
    expect(await store.lastSeq(subject)).toBe(b.seq);
  });

  it('chains appends so a competing writer cannot interleave', async () => {
    const subject = subjects.agent('chain');
    const [x, y] = await store.appendChain(subject, [lost('chain'), lost('chain')], 0);
    expect(y.seq).toBeGreaterThan(x.seq);
    await expect(store.appendChain(subject, [lost('chain')], x.seq)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('validates events before appending them', async () => {
    const bad = { ...lost('bad'), data: { agentId: 'bad' } } as unknown as MarshalEvent;
    await expect(store.append(subjects.agent('bad'), bad)).rejects.toThrow(/lastSeen/);
    expect(await store.readAll(subjects.agent('bad'))).toHaveLength(0);
  });

  it('replays one aggregate in order, from a sequence, and nothing for an empty one', async () => {
    const subject = subjects.agent('replay');
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const seqs = [];
    for (const id of ids) seqs.push((await store.append(subject, lost('replay', id))).seq);
    await store.append(subjects.agent('other'), lost('other'));
    expect((await store.readAll(subject)).map((r) => r.event.id)).toEqual(ids);
    expect((await store.readAll(subject, { fromSeq: seqs[1] })).map((r) => r.event.id)).toEqual(ids.slice(1));
    expect(await store.readAll(subjects.agent('nobody'))).toEqual([]);
  });

  it('follows live with an ordered consumer and reports when it caught up', async () => {
    const subject = subjects.agent('follow');
    await store.append(subject, lost('follow'));
    const seen: Recorded<MarshalEvent>[] = [];
    const sub = store.follow(subject, (r) => {
      seen.push(r);
    });
    await sub.caughtUp;
    expect(seen).toHaveLength(1);
    await store.append(subject, lost('follow'));
    await eventually(() => expect(seen).toHaveLength(2));
    await sub.stop();
  });

  it('redelivers to a durable consumer until the handler succeeds, and resumes after a restart', async () => {
    const subject = subjects.agent('durable');
    await store.append(subject, lost('durable'));
    let calls = 0;
    const handled: number[] = [];
    const sub = await store.durable('test-durable', subject, (r) => {
      calls += 1;
      if (calls === 1) throw new Error('first delivery fails');
      handled.push(r.seq);
    }, { retryDelayMs: 50 });
    await eventually(() => expect(handled).toHaveLength(1));
    expect(calls).toBe(2);
    await sub.stop();

    await store.append(subject, lost('durable'));
    const after: number[] = [];
    const again = await store.durable('test-durable', subject, (r) => {
      after.push(r.seq);
    });
    await eventually(() => expect(after).toHaveLength(1));
    expect(after[0]).toBeGreaterThan(handled[0]);
    await again.stop();
  });

  it('keeps following across a nats-server restart', async () => {
    const subject = subjects.agent('restart');
    const seen: string[] = [];
    const sub = store.follow(subject, (r) => {
      seen.push(r.event.id);
    });
    await sub.caughtUp;
    await store.append(subject, lost('restart', 'before'));
    await eventually(() => expect(seen).toEqual(['before']));
    await nats.kill();
    await nats.start();
    await eventually(async () => {
      await store.append(subject, lost('restart', 'after'));
    }, { timeoutMs: 20_000 });
    await eventually(() => expect(seen).toEqual(['before', 'after']), { timeoutMs: 20_000 });
    await sub.stop();
  });
});
