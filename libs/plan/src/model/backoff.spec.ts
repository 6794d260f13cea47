import { backoffContext, clearDelay, DEFAULT_BACKOFF, delayActive, recordFailure, remainingDelay, type BackoffState } from './backoff';
import { stepStatus } from './step-status';
import { deployStep } from './testing';

const T0 = Date.UTC(2026, 0, 1);
const task = 'hello-0-server';

describe('exponential back-off (reference §1.6.3, §9.6; factor 1.15, initial 60 s, max 300 s)', () => {
  it('first failure: 60 s from the failure', () => {
    const state = recordFailure({}, task, T0, DEFAULT_BACKOFF);
    expect(remainingDelay(state, task, T0)).toBe(60_000);
    expect(delayActive(state, task, T0 + 59_999)).toBe(true);
    expect(delayActive(state, task, T0 + 60_000)).toBe(false);
  });

  it('two consecutive failures: the second delay is longer than the first', () => {
    const first = recordFailure({}, task, T0, DEFAULT_BACKOFF);
    const second = recordFailure(first, task, T0, DEFAULT_BACKOFF);
    expect(remainingDelay(second, task, T0)).toBe(69_000);
    expect(remainingDelay(second, task, T0)).toBeGreaterThan(remainingDelay(first, task, T0));
  });

  it('after saturating (50 failures) the delay is capped and decreases as time passes', () => {
    let state: BackoffState = {};
    for (let i = 0; i < 50; i++) state = recordFailure(state, task, T0, DEFAULT_BACKOFF);
    expect(remainingDelay(state, task, T0)).toBe(300_000);
    expect(remainingDelay(state, task, T0 + 1_000)).toBe(299_000);
  });

  it('a later failure restarts the window from its own time', () => {
    const first = recordFailure({}, task, T0, DEFAULT_BACKOFF);
    const second = recordFailure(first, task, T0 + 100_000, DEFAULT_BACKOFF);
    expect(remainingDelay(second, task, T0 + 100_000)).toBe(69_000);
  });

  it('clearDelay removes it; other tasks keep theirs', () => {
    const state = recordFailure(recordFailure({}, task, T0, DEFAULT_BACKOFF), 'hello-1-server', T0, DEFAULT_BACKOFF);
    const cleared = clearDelay(state, task);
    expect(delayActive(cleared, task, T0)).toBe(false);
    expect(delayActive(cleared, 'hello-1-server', T0)).toBe(true);
    expect(clearDelay(cleared, task)).toBe(cleared);
  });

  it('a DELAYED step reports DELAYED during its task’s window and PENDING after it', () => {
    const step = deployStep('s0', 'DELAYED', { podIndex: 0, tasks: ['server'] });
    const state = recordFailure({}, 'pod-0-server', T0, DEFAULT_BACKOFF);
    expect(stepStatus(step, backoffContext(state, T0 + 1_000))).toBe('DELAYED');
    expect(stepStatus(step, backoffContext(state, T0 + 60_000))).toBe('PENDING');
  });
});
