import { MarshalError } from '@marshal/contracts';
import { SequenceGate } from './sequence-gate';

describe('SequenceGate', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves at once for a sequence already reached, whatever the timeout choice', async () => {
    const gate = new SequenceGate('fold', 5);
    await expect(gate.reach(5, 10, 'throw')).resolves.toBe(true);
    await expect(gate.reach(3, 10, 'proceed')).resolves.toBe(true);
    expect(gate.pending).toBe(0);
  });

  it('resolves when the fold advances to the sequence, and clears the deadline', async () => {
    const gate = new SequenceGate('fold');
    const reached = gate.reach(3, 1_000, 'throw');
    gate.advance(2);
    expect(gate.pending).toBe(1);
    gate.advance(4);
    await expect(reached).resolves.toBe(true);
    expect(gate.pending).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is monotonic: a lower sequence does not move it back', () => {
    const gate = new SequenceGate('fold');
    gate.advance(7);
    gate.advance(3);
    expect(gate.position).toBe(7);
  });

  it("'throw': rejects with TIMEOUT naming the sequence wanted and the one reached, and forgets the waiter", async () => {
    const gate = new SequenceGate('plan-manager');
    gate.advance(4);
    const reached = gate.reach(9, 100, 'throw');
    jest.advanceTimersByTime(100);
    await expect(reached).rejects.toEqual(new MarshalError('TIMEOUT', 'plan-manager has folded the log up to 4, not yet 9'));
    expect(gate.pending).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("'proceed': resolves false at the deadline and leaves no waiter behind", async () => {
    const gate = new SequenceGate('ledger');
    const reached = gate.reach(9, 50, 'proceed');
    jest.advanceTimersByTime(49);
    expect(gate.pending).toBe(1);
    jest.advanceTimersByTime(1);
    await expect(reached).resolves.toBe(false);
    expect(gate.pending).toBe(0);
    gate.advance(9);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('releases waiters in the order of the sequences they want, equal ones in arrival order', async () => {
    const gate = new SequenceGate('fold');
    const order: string[] = [];
    const wait = (seq: number, label: string): Promise<void> => gate.reach(seq, 1_000, 'proceed').then(() => void order.push(label));
    const all = [wait(5, 'c'), wait(2, 'a'), wait(5, 'd'), wait(3, 'b'), wait(8, 'e')];
    gate.advance(5);
    await Promise.resolve();
    expect(gate.pending).toBe(1);
    gate.advance(8);
    await Promise.all(all);
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('does not leak: many timed-out waiters leave nothing pending and no timers', async () => {
    const gate = new SequenceGate('fold');
    const waits = Array.from({ length: 100 }, (_, i) => gate.reach(i + 1, 10 + i, 'proceed'));
    jest.advanceTimersByTime(200);
    expect(await Promise.all(waits)).toEqual(Array.from({ length: 100 }, () => false));
    expect(gate.pending).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('close releases every waiter: proceed ones with false, throwing ones with UNAVAILABLE; later waits too', async () => {
    const gate = new SequenceGate('fold');
    gate.advance(1);
    const proceeding = gate.reach(5, 1_000, 'proceed');
    const throwing = gate.reach(6, 1_000, 'throw');
    gate.close();
    await expect(proceeding).resolves.toBe(false);
    await expect(throwing).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'fold stopped at 1 before reaching 6' });
    expect(gate.pending).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    await expect(gate.reach(7, 1_000, 'proceed')).resolves.toBe(false);
    await expect(gate.reach(7, 1_000, 'throw')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(gate.reach(1, 1_000, 'throw')).resolves.toBe(true);
  });

  it('rewind lowers the position for a fold that started over; waiters keep waiting for their sequence', async () => {
    const gate = new SequenceGate('read models');
    gate.advance(10);
    gate.rewind(2);
    expect(gate.position).toBe(2);
    const reached = gate.reach(5, 1_000, 'proceed');
    gate.advance(4);
    expect(gate.pending).toBe(1);
    gate.advance(5);
    await expect(reached).resolves.toBe(true);
    gate.rewind(8);
    expect(gate.position).toBe(5);
  });
});
