import type { MarshalEvent, ServiceSpec } from '@marshal/contracts';
import { pod, serviceSpec, task } from '../model/testing';
import { isInProgressChild } from '../model/strategy';
import { Log, SERVICE } from './testing';

const throttledSpec = (count: number, maxConcurrent: number): ServiceSpec => ({
  ...serviceSpec([pod('hello', count, [task('server')])], [{ name: 'deploy', strategy: 'serial', phases: [{ name: 'hello', pod: 'hello', strategy: 'parallel', maxConcurrent }] }]),
  name: SERVICE,
});

/** The most steps in progress at once, replaying the log's StepStatusChanged events. */
function maxInProgress(events: readonly MarshalEvent[]): number {
  const status = new Map<string, string>();
  let most = 0;
  for (const e of events) {
    if (e.type !== 'StepStatusChanged') continue;
    status.set(e.data.stepId, e.data.to);
    most = Math.max(most, [...status.values()].filter((s) => isInProgressChild({ status: s as 'PENDING' })).length);
  }
  return most;
}

describe('throttled parallel phase: parallel: {max-concurrent: N} (other-systems §1a.2)', () => {
  it('given a 12-step phase with max-concurrent 5, the first candidates are the first five steps', () => {
    const log = new Log();
    log.accept(throttledSpec(12, 5), 'cfg-1');
    expect(log.state.plans[0].phases[0].strategy).toEqual({ type: 'parallel', interrupted: false, maxConcurrent: 5 });
    expect(log.candidates().map((c) => c.step)).toEqual(['hello-0:[server]', 'hello-1:[server]', 'hello-2:[server]', 'hello-3:[server]', 'hello-4:[server]']);
  });

  it('starts new steps only as others complete, never more than five in progress according to the log', () => {
    const log = new Log();
    log.accept(throttledSpec(12, 5), 'cfg-1');
    log.cycle();
    expect(log.tree('deploy').steps.filter((s) => s.endsWith('=STARTING'))).toHaveLength(5);
    // Five in progress: nothing new is a candidate.
    expect(log.candidates()).toEqual([]);
    log.status('hello-0-server', 'TASK_RUNNING');
    log.status('hello-3-server', 'TASK_RUNNING');
    expect(log.candidates().filter((c) => c.status === 'PENDING').map((c) => c.step)).toEqual(['hello-5:[server]', 'hello-6:[server]']);
    log.converge(40);
    expect(log.tree('deploy').status).toBe('COMPLETE');
    expect(maxInProgress(log.events.map((r) => r.event))).toBe(5);
  });

  it('a plain parallel phase still starts every step at once', () => {
    const log = new Log();
    log.accept({ ...serviceSpec([pod('hello', 12, [task('server')])], [{ name: 'deploy', strategy: 'serial', phases: [{ name: 'hello', pod: 'hello', strategy: 'parallel' }] }]), name: SERVICE }, 'cfg-1');
    log.cycle();
    expect(maxInProgress(log.events.map((r) => r.event))).toBe(12);
  });

  it('a failed (DELAYED) step keeps its slot', () => {
    const log = new Log();
    log.accept(throttledSpec(3, 1), 'cfg-1');
    log.cycle();
    log.status('hello-0-server', 'TASK_FAILED');
    expect(log.state.plans[0].phases[0].steps[0].status).toBe('DELAYED');
    expect(log.candidates().map((c) => c.step)).toEqual(['hello-0:[server]']);
  });
});
