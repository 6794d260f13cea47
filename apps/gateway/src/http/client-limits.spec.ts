import { HeldCounts, Turns } from './client-limits';

describe('what one client may hold at once', () => {
  const counts = () => new HeldCounts({ MAX_STREAMS_PER_TOKEN: 2, MAX_LONG_POLLS_PER_TOKEN: 1, MAX_TIME_TRAVEL_READS_PER_TOKEN: 3 });

  it('refuses the one over the bound with RESOURCE_EXHAUSTED naming the setting, per client and per kind', () => {
    const c = counts();
    c.hold('stream', 'viewer:v');
    c.hold('stream', 'viewer:v');
    expect(() => c.hold('stream', 'viewer:v')).toThrow(
      expect.objectContaining({ code: 'RESOURCE_EXHAUSTED', message: expect.stringContaining('at most 2 at once (MAX_STREAMS_PER_TOKEN)') }),
    );
    // Another client, and another kind of the same client, are not affected.
    expect(() => c.hold('stream', 'viewer:w')).not.toThrow();
    expect(() => c.hold('longPoll', 'viewer:v')).not.toThrow();
  });

  it('gives a hold back once, however often it is released', () => {
    const c = counts();
    const release = c.hold('longPoll', 'a');
    expect(() => c.hold('longPoll', 'a')).toThrow(expect.objectContaining({ code: 'RESOURCE_EXHAUSTED' }));
    release();
    release();
    expect(c.count('longPoll', 'a')).toBe(0);
    c.hold('longPoll', 'a');
    expect(c.count('longPoll', 'a')).toBe(1);
  });
});

describe('turns', () => {
  it('runs at most `max` at once, the others in arrival order, and passes on after a failure', async () => {
    const turns = new Turns(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const job = (i: number, fail = false) =>
      turns.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        order.push(i);
        if (fail) throw new Error(`job ${i}`);
        return i;
      });
    const results = await Promise.allSettled([job(0), job(1, true), job(2), job(3), job(4)]);
    expect(most).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(order.slice(2)).toEqual([2, 3, 4]);
    expect(turns.queued).toBe(0);
  });
});
