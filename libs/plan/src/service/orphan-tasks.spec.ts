import type { EventData, ServiceSpec } from '@marshal/contracts';
import { pod, serviceSpec, task } from '../model/testing';
import { unneededTasks } from './orphan-tasks';
import { Log, SERVICE, subjects } from './testing';

type Kill = { type: 'TaskKillRequested'; data: EventData<'TaskKillRequested'> };

const kills = (events: { type: string; data: unknown }[]): string[] =>
  events.filter((e): e is Kill => e.type === 'TaskKillRequested').map((e) => `${e.data.taskName} ${e.data.taskId} (${e.data.reason})`);

/** The SDK's enable-disable example: `TEST_BOOLEAN` decides whether the deploy plan launches server-a at all. */
function enableDisable(testBoolean: boolean, extra: Partial<ServiceSpec['pods'][number]> = {}): ServiceSpec {
  const steps = testBoolean ? [['server-a'], ['server-b']] : [['server-b']];
  return {
    ...serviceSpec(
      [pod('hello', 1, [task('server-a'), task('server-b')], extra)],
      [{ name: 'deploy', strategy: 'serial', phases: [{ name: 'hello', pod: 'hello', strategy: 'serial', steps: [{ key: 'default', tasks: steps }] }] }],
    ),
    name: SERVICE,
  };
}

function deployedEnabled(): Log {
  const log = new Log();
  log.accept(enableDisable(true), 'cfg-1');
  log.converge();
  expect(log.tree('deploy').steps).toEqual(['hello-0:[server-a]=COMPLETE', 'hello-0:[server-b]=COMPLETE']);
  return log;
}

describe('tasks no plan step launches are killed (reference §3.0 steps 7–8)', () => {
  it('enable-disable: switching TEST_BOOLEAN off kills server-a with the new plans; server-b is left running, server-a is not recovered', () => {
    const log = deployedEnabled();
    const a = log.state.tasks['hello-0-server-a'].taskId;
    const b = log.state.tasks['hello-0-server-b'].taskId;
    const events = log.accept(enableDisable(false), 'cfg-2', { previous: 'cfg-1' });
    expect(kills(events)).toEqual([`hello-0-server-a ${a} (no step of configuration cfg-2 launches hello-0-server-a)`]);
    // The kill is on server-a's agent task subject, before the new plans.
    const killIndex = events.findIndex((e) => e.type === 'TaskKillRequested');
    expect(killIndex).toBeLessThan(events.findIndex((e) => e.type === 'PlanGenerated'));
    expect(log.events.find((r) => r.event.type === 'TaskKillRequested')?.subject).toBe(subjects.serviceTask(SERVICE, log.state.tasks['hello-0-server-a'].agentId));
    log.killRequested();
    log.converge();
    expect(log.tree('deploy')).toMatchObject({ status: 'COMPLETE', steps: ['hello-0:[server-b]=COMPLETE'] });
    expect(log.tree('recovery').steps).toEqual([]);
    expect(log.state.tasks['hello-0-server-a']).toMatchObject({ taskId: a, lastState: 'TASK_KILLED' });
    expect(log.state.tasks['hello-0-server-b']).toMatchObject({ taskId: b, lastState: 'TASK_RUNNING', killRequested: false });
    expect(unneededTasks(log.state)).toEqual([]);
    // A tick asks for nothing more: the kill is not repeated.
    expect(kills(log.tick())).toEqual([]);
    expect(log.replay()).toEqual(log.state);
  });

  it('switching it back on launches server-a again and kills nothing', () => {
    const log = deployedEnabled();
    log.accept(enableDisable(false), 'cfg-2', { previous: 'cfg-1' });
    log.killRequested();
    log.converge();
    const events = log.accept(enableDisable(true), 'cfg-3', { previous: 'cfg-2' });
    expect(kills(events)).toEqual([]);
    log.converge();
    expect(log.tree('deploy').status).toBe('COMPLETE');
    expect(log.state.tasks['hello-0-server-a'].lastState).toBe('TASK_RUNNING');
  });

  it('kills nothing when the new configuration fails to generate plans (the steps are unknown)', () => {
    const log = deployedEnabled();
    const broken = enableDisable(true);
    broken.plans[0].phases[0].steps = [{ key: 'default', tasks: [['no-such-task']] }];
    const events = log.accept(broken, 'cfg-2', { previous: 'cfg-1' });
    expect(log.tree('deploy').status).toBe('ERROR');
    expect(kills(events)).toEqual([]);
  });

  it('leaves scale-in to the decommission plan', () => {
    const log = new Log();
    const two = (n: number) => ({ ...serviceSpec([pod('hello', n, [task('server')], { allowDecommission: true })]), name: SERVICE });
    log.accept(two(2), 'cfg-1');
    log.converge();
    const events = log.accept(two(1), 'cfg-2', { previous: 'cfg-1' });
    expect(kills(events)).toEqual([]);
    expect(log.planNames()).toContain('decommission');
  });

  it('a launch no current step asked for is killed when it is recorded', () => {
    const log = deployedEnabled();
    log.accept(enableDisable(false), 'cfg-2', { previous: 'cfg-1' });
    log.killRequested();
    // A coordinator that placed server-a from the old plans reports the launch late.
    const first = log.events.map((r) => r.event).find((e) => e.type === 'TaskLaunched');
    if (first?.type !== 'TaskLaunched') throw new Error('no launch');
    const events = log.external(subjects.serviceTask(SERVICE, 'agent-hello-0'), 'TaskLaunched', {
      service: SERVICE,
      agentId: 'agent-hello-0',
      hostname: 'host-hello-0',
      reservationId: 'res-hello-0',
      step: { plan: 'deploy', phaseId: 'old', stepId: 'old', step: 'hello-0:[server-a]' },
      task: { ...first.data.task, taskId: 'hello-0-server-a__late' },
    });
    expect(kills(events)).toEqual(['hello-0-server-a hello-0-server-a__late (no step of configuration cfg-2 launches hello-0-server-a)']);
  });
});

describe('zombie kill (reference §9.12)', () => {
  it('a TASK_RUNNING status for an unknown task id gets that id killed, not the real task', () => {
    const log = deployedEnabled();
    const real = log.state.tasks['hello-0-server-a'];
    const status = (taskId: string, taskName: string, state: 'TASK_RUNNING' | 'TASK_FINISHED') =>
      log.external(subjects.serviceTask(SERVICE, 'agent-x'), 'TaskStatusUpdated', { service: SERVICE, agentId: 'agent-x', taskId, taskName, state, message: '' });
    expect(kills(status('zombie-1', 'hello-0-server-a', 'TASK_RUNNING'))).toEqual(['hello-0-server-a zombie-1 (task id zombie-1 is not a stored task of hello-world (zombie))']);
    expect(log.events.find((r) => r.event.type === 'TaskKillRequested')?.subject).toBe(subjects.serviceTask(SERVICE, 'agent-x'));
    expect(kills(status('zombie-2', 'world-7-server', 'TASK_RUNNING'))).toHaveLength(1);
    // An ended process asks for nothing; the real task is untouched.
    expect(kills(status('zombie-3', 'hello-0-server-a', 'TASK_FINISHED'))).toEqual([]);
    expect(log.state.tasks['hello-0-server-a']).toEqual(real);
  });
});

describe('count or placement only changes move tasks to the new target (reference §3.8.2 step 4)', () => {
  it('pod replace after a placement-only update places the pod with the new configuration', () => {
    const log = new Log();
    const placed = (rule: string) => ({ ...serviceSpec([pod('hello', 1, [task('server')], { placement: rule })]), name: SERVICE });
    log.accept(placed('hostname:LIKE:a1'), 'cfg-1');
    log.converge();
    const before = log.state.tasks['hello-0-server'].taskId;
    // The pod spec is unchanged but for placement: no pod changed, nothing relaunched.
    log.accept(placed('hostname:LIKE:a2'), 'cfg-2', { previous: 'cfg-1', changedPods: [] });
    expect(log.candidates()).toEqual([]);
    expect(log.state.tasks['hello-0-server'].taskId).toBe(before);
    log.pod({ pod: 'hello-0', action: 'replace' });
    log.killRequested();
    const [c] = log.candidates();
    expect(c).toMatchObject({ plan: 'recovery', recoveryType: 'PERMANENT', configId: 'cfg-2' });
  });
});

describe('uninstall completes observably (reference §3.6)', () => {
  it('the uninstall plan is published COMPLETE before the service is removed', () => {
    const log = deployedEnabled();
    log.uninstall();
    log.converge();
    const events = log.events.map((r) => r.event);
    const removed = events.findIndex((e) => e.type === 'ServiceRemoved');
    expect(removed).toBeGreaterThan(0);
    const before = events[removed - 1];
    expect(before).toMatchObject({ type: 'PlanStatusChanged', data: { plan: 'deploy', status: 'COMPLETE' } });
    expect(log.replay()).toEqual(log.state);
  });
});
