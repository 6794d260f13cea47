import type { KillIntent } from './runner-state';
import {
  PREPARING,
  killIntentOf,
  nextLifecycle,
  nextRunnerPhase,
  recoveredLifecycle,
  type RunnerPhase,
  type TaskLifecycle,
  type TaskLifecycleEvent,
} from './task-lifecycle';

const operator: KillIntent = { at: 1_000, reason: 'operator asked', cause: 'killed' };
const unhealthy: KillIntent = { at: 2_000, reason: 'health check failed 3 consecutive time(s)', cause: 'unhealthy' };

const launched: TaskLifecycleEvent = { type: 'launched' };
const killRequested = (kill: KillIntent): TaskLifecycleEvent => ({ type: 'killRequested', kill });
const ended: TaskLifecycleEvent = { type: 'ended' };

describe('task lifecycle', () => {
  it.each<[string, TaskLifecycle, TaskLifecycleEvent, TaskLifecycle | undefined]>([
    ['a launched task runs', PREPARING, launched, { phase: 'running' }],
    ['a kill while preparing keeps the task from starting a process', PREPARING, killRequested(operator), { phase: 'killing', kill: operator }],
    ['a task that cannot start ends from preparing', PREPARING, ended, { phase: 'ended' }],
    ['a running task is killed', { phase: 'running' }, killRequested(unhealthy), { phase: 'killing', kill: unhealthy }],
    ['a running task ends on its own', { phase: 'running' }, ended, { phase: 'ended' }],
    ['a killed task ends, keeping why it was killed', { phase: 'killing', kill: operator }, ended, { phase: 'ended', kill: operator }],
    ['a second kill keeps the first intent', { phase: 'killing', kill: operator }, killRequested(unhealthy), undefined],
    ['a running task is not launched again', { phase: 'running' }, launched, undefined],
    ['a task being killed launches nothing', { phase: 'killing', kill: operator }, launched, undefined],
    ['nothing happens to an ended task: launch', { phase: 'ended' }, launched, undefined],
    ['nothing happens to an ended task: kill', { phase: 'ended' }, killRequested(operator), undefined],
    ['nothing happens to an ended task: a second end', { phase: 'ended', kill: operator }, ended, undefined],
  ])('%s', (_, state, event, next) => {
    expect(nextLifecycle(state, event)).toEqual(next);
  });

  it('knows the kill intent while killing and after the end, and none otherwise', () => {
    expect(killIntentOf(PREPARING)).toBeUndefined();
    expect(killIntentOf({ phase: 'running' })).toBeUndefined();
    expect(killIntentOf({ phase: 'killing', kill: operator })).toBe(operator);
    expect(killIntentOf({ phase: 'ended', kill: unhealthy })).toBe(unhealthy);
    expect(killIntentOf({ phase: 'ended' })).toBeUndefined();
  });

  it('recovers a recorded task as running, or still being killed when a kill was recorded', () => {
    expect(recoveredLifecycle(undefined)).toEqual({ phase: 'running' });
    expect(recoveredLifecycle(operator)).toEqual({ phase: 'killing', kill: operator });
  });
});

describe('runner phase', () => {
  it('goes running → detaching → detached and never back', () => {
    const seen: RunnerPhase[] = ['running'];
    for (let p = nextRunnerPhase('running'); p; p = nextRunnerPhase(p)) seen.push(p);
    expect(seen).toEqual(['running', 'detaching', 'detached']);
  });
});
