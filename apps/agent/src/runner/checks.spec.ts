import type { HealthCheckSpec } from '@marshal/contracts';
import { HealthTracker, describeCheckResult, remainingDelayMs } from './checks';
import type { CheckResult } from './launcher';

const spec = (o: Partial<HealthCheckSpec> = {}): HealthCheckSpec => ({
  cmd: 'true',
  interval: 1,
  gracePeriod: 10,
  maxConsecutiveFailures: 2,
  delay: 0,
  timeout: 5,
  ...o,
});
const pass: CheckResult = { exitCode: 0, timedOut: false, output: '' };
const fail: CheckResult = { exitCode: 1, timedOut: false, output: 'boom' };

describe('HealthTracker', () => {
  it('does not count failures inside the grace period', () => {
    const h = new HealthTracker(spec(), 0);
    expect(h.record(fail, 1_000)).toEqual({ changed: false, kill: false });
    expect(h.record(fail, 9_999)).toEqual({ changed: false, kill: false });
    expect(h.healthy).toBeUndefined();
  });

  it('counts failures after the grace period and asks for a kill at maxConsecutiveFailures', () => {
    const h = new HealthTracker(spec(), 0);
    expect(h.record(fail, 10_000)).toEqual({ changed: true, kill: false });
    const second = h.record(fail, 11_000);
    expect(second.kill).toBe(true);
    expect(second.message).toBe('health check failed 2 consecutive time(s), last: exit code 1: boom');
  });

  it('ends the grace period at the first passing check', () => {
    const h = new HealthTracker(spec({ maxConsecutiveFailures: 1 }), 0);
    expect(h.record(pass, 500)).toEqual({ changed: true, kill: false });
    expect(h.record(fail, 600).kill).toBe(true);
  });

  it('resets the count of consecutive failures on a pass', () => {
    const h = new HealthTracker(spec({ gracePeriod: 0 }), 0);
    h.record(fail, 1);
    expect(h.record(pass, 2)).toEqual({ changed: true, kill: false });
    expect(h.record(fail, 3)).toEqual({ changed: true, kill: false });
    expect(h.record(fail, 4).kill).toBe(true);
  });

  it('counts a timed-out check as a failure', () => {
    const h = new HealthTracker(spec({ gracePeriod: 0, maxConsecutiveFailures: 1 }), 0);
    const r = h.record({ timedOut: true, output: '' }, 1);
    expect(r).toMatchObject({ kill: true, message: 'health check failed 1 consecutive time(s), last: timed out after 5s' });
  });
});

describe('check helpers', () => {
  it('counts the first-run delay from the task start (seconds)', () => {
    expect(remainingDelayMs(spec({ delay: 3 }), 1_000, 2_000)).toBe(2_000);
    expect(remainingDelayMs(spec({ delay: 3 }), 1_000, 9_000)).toBe(0);
  });

  it('describes results for status messages', () => {
    expect(describeCheckResult({ exitCode: 2, timedOut: false, output: '' }, 1)).toBe('exit code 2');
    expect(describeCheckResult({ timedOut: false, output: 'cannot run check: ENOENT' }, 1)).toBe(
      'could not run: cannot run check: ENOENT',
    );
  });
});
