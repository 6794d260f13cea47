import type { FastifyRequest } from 'fastify';
import type { ReadModelQueries } from '@marshal/persistence';
import type { ServiceContext } from '@marshal/runtime';
import { subjectsFor } from '@marshal/contracts';
import { ProjectorProgress } from './projector-progress';
import { ReadModelCache } from './read-model-cache';

/**
 * The infrastructure around the cache stood in for: the projector's announcements on core NATS (a queue of messages)
 * and the database's checkpoint (a number, or a failure while the read models are dropped).
 */
function harness() {
  const messages: { seq: number }[] = [];
  let wake: (() => void) | undefined;
  const subscription = {
    unsubscribe: () => undefined,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (messages.length) {
          const m = messages.shift() as { seq: number };
          yield { json: () => m };
        }
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
  const db = { checkpoint: 0 as number | Error };
  const ctx = { nc: { subscribe: () => subscription }, subjects: subjectsFor('unit') } as unknown as ServiceContext;
  const queries = { checkpoint: async () => (db.checkpoint instanceof Error ? Promise.reject(db.checkpoint) : db.checkpoint) } as unknown as ReadModelQueries;
  const progress = new ProjectorProgress(ctx, queries);
  const cache = new ReadModelCache(progress);
  let loads = 0;
  const load = (value: string) => async () => {
    loads += 1;
    return value;
  };
  return {
    progress,
    cache,
    db,
    loads: () => loads,
    load,
    /** The projector announces a checkpoint; resolves once the gateway has heard it. */
    async announce(seq: number) {
      messages.push({ seq });
      wake?.();
      await new Promise((r) => setImmediate(r));
    },
    stop() {
      progress.onModuleDestroy();
      cache.onModuleDestroy();
    },
  };
}

describe('answers cached per read-model checkpoint', () => {
  it('a second request reads nothing; a new checkpoint announced drops the answer', async () => {
    const h = harness();
    await h.announce(10);
    expect(await h.cache.get('plan', h.load('v1'))).toBe('v1');
    expect(await h.cache.get('plan', h.load('never'))).toBe('v1');
    expect(h.loads()).toBe(1);
    await h.announce(11);
    expect(await h.cache.get('plan', h.load('v2'))).toBe('v2');
    h.stop();
  });

  it('concurrent requests share one load; a failed load is not remembered', async () => {
    const h = harness();
    const [a, b] = await Promise.all([h.cache.get('plan', h.load('v1')), h.cache.get('plan', h.load('v1'))]);
    expect([a, b, h.loads()]).toEqual(['v1', 'v1', 1]);
    await h.announce(1);
    await expect(h.cache.get('plan', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await h.cache.get('plan', h.load('v2'))).toBe('v2');
    h.stop();
  });

  it('a lower checkpoint announced means the projector started over: the answers are dropped, the checkpoint follows', async () => {
    const h = harness();
    await h.announce(50);
    await h.cache.get('plan', h.load('before'));
    await h.announce(3);
    expect(h.progress.current).toBe(3);
    expect(await h.cache.get('plan', h.load('rebuilt'))).toBe('rebuilt');
    h.stop();
  });

  it('a database checkpoint below the known one (read models dropped and rebuilt), or none at all, drops the answers', async () => {
    const h = harness();
    h.db.checkpoint = 40;
    await h.progress.refresh();
    await h.cache.get('plan', h.load('before'));
    h.db.checkpoint = 40;
    await h.progress.refresh();
    expect(await h.cache.get('plan', h.load('never'))).toBe('before');
    h.db.checkpoint = 12;
    await h.progress.refresh();
    expect(h.progress.current).toBe(12);
    expect(await h.cache.get('plan', h.load('rebuilt'))).toBe('rebuilt');
    h.db.checkpoint = new Error('relation "projector_checkpoints" does not exist');
    await h.progress.sync();
    expect(await h.cache.get('plan', h.load('after a failed read'))).toBe('after a failed read');
    h.stop();
  });

  it('Cache-Control: no-cache reads the database', async () => {
    const h = harness();
    await h.cache.get('plan', h.load('cached'));
    const req = (cc?: string) => ({ headers: cc === undefined ? {} : { 'cache-control': cc } }) as unknown as FastifyRequest;
    expect(ReadModelCache.bypass(req('no-cache'))).toBe(true);
    expect(ReadModelCache.bypass(req('max-age=0, No-Cache'))).toBe(true);
    expect(ReadModelCache.bypass(req('no-store'))).toBe(false);
    expect(ReadModelCache.bypass(req())).toBe(false);
    expect(await h.cache.get('plan', h.load('fresh'), ReadModelCache.bypass(req('no-cache')))).toBe('fresh');
    h.stop();
  });
});
