import { podInstanceName, type ServiceSpec } from '@marshal/contracts';
import { pod, serviceSpec, task } from '../model/testing';
import { reconcileService } from './reconcile.policy';
import { evolveService, initialServiceState, type ServiceState } from './service-state';
import { Log, SERVICE, subjects, transitions } from './testing';

const spec = (pods: ServiceSpec['pods'], plans: ServiceSpec['plans'] = []): ServiceSpec => ({ ...serviceSpec(pods, plans), name: SERVICE });
const readiness = { cmd: 'ready', interval: 5, timeout: 10, delay: 0 };
/** helloworld's svc.yml: hello ×1, world ×2 with a readiness check (reference §8.1). */
const helloWorld = (world = 2, extra: Partial<ServiceSpec['pods'][number]> = {}) =>
  spec([pod('hello', 1, [task('server')]), pod('world', world, [task('server', { readinessCheck: readiness })], extra)]);

function deployed(s: ServiceSpec, env: Record<string, string> = {}): Log {
  const log = new Log();
  log.accept(s, 'cfg-1', { env });
  log.converge();
  expect(log.tree('deploy').status).toBe('COMPLETE');
  return log;
}

describe('§9.12 end-to-end simulations at the aggregate', () => {
  it('9.12 default svc.yml deployment: one step at a time, readiness gates world, all plans COMPLETE', () => {
    const log = new Log();
    log.accept(helloWorld(), 'cfg-1');
    expect(log.cycle().map((c) => c.step)).toEqual(['hello-0:[server]']);
    expect(log.cycle()).toEqual([]); // before hello runs nothing else is offered
    log.status('hello-0-server', 'TASK_RUNNING');
    expect(log.cycle().map((c) => c.step)).toEqual(['world-0:[server]']);
    log.status('world-0-server', 'TASK_RUNNING');
    expect(log.tree('deploy').steps[1]).toBe('world-0:[server]=STARTED');
    expect(log.cycle()).toEqual([]); // waiting for readiness
    log.status('world-0-server', 'TASK_RUNNING', { readiness: { passed: true, exitCode: 0 } });
    expect(log.cycle().map((c) => c.step)).toEqual(['world-1:[server]']);
    log.status('world-1-server', 'TASK_RUNNING', { readiness: { passed: true, exitCode: 0 } });
    expect(log.planNames()).toEqual(['deploy', 'recovery']);
    expect([log.tree('deploy').status, log.tree('recovery').status]).toEqual(['COMPLETE', 'COMPLETE']);
    expect(log.state.deploymentCompleted).toBe(true);
    expect(log.replay()).toEqual(log.state);
  });

  it('9.12 update plan: once deploy completed, a new configuration shows the update plan as deploy, already COMPLETE', () => {
    const s = spec([pod('hello', 1, [task('server')])], [
      { name: 'deploy', strategy: 'serial', phases: [{ name: 'hello-deploy', pod: 'hello', strategy: 'serial' }] },
      { name: 'update', strategy: 'serial', phases: [{ name: 'hello-update', pod: 'hello', strategy: 'serial' }] },
    ]);
    const log = new Log();
    log.accept(s, 'cfg-1');
    expect(log.tree('deploy').phases).toEqual(['hello-deploy=PENDING']);
    log.converge();
    log.accept(s, 'cfg-2', { previous: 'cfg-1' });
    expect(log.planNames()).toEqual(['deploy', 'recovery']);
    expect(log.tree('deploy')).toMatchObject({ status: 'COMPLETE', phases: ['hello-update=COMPLETE'], steps: ['hello-0:[server]=COMPLETE'] });
    expect(log.candidates()).toEqual([]);
  });

  it('9.12 essential task fails: both tasks of the pod relaunch in place, the other one killed first', () => {
    const log = deployed(spec([pod('hello', 1, [task('essential'), task('nonessential', { essential: false })], { resourceSets: [{ id: 'shared', cpus: 1, memory: 64, ports: [], volumes: [] }] })].map((p) => ({ ...p, tasks: p.tasks.map((t) => ({ ...t, resourceSet: t.name })) }))));
    log.status('hello-0-essential', 'TASK_FAILED');
    const [c] = log.candidates();
    expect(c).toMatchObject({ plan: 'recovery', step: 'hello-0:[essential, nonessential]', recoveryType: 'TRANSIENT' });
    expect(c.tasksToKill.map((t) => t.taskName)).toEqual(['hello-0-nonessential']);
  });

  it('9.12 non-essential task fails: only it relaunches, nothing is killed', () => {
    const log = deployed(spec([pod('hello', 1, [task('essential'), task('nonessential', { essential: false })])]));
    log.status('hello-0-nonessential', 'TASK_FAILED');
    const [c] = log.candidates();
    expect(c).toMatchObject({ plan: 'recovery', step: 'hello-0:[nonessential]', recoveryType: 'TRANSIENT', tasksToKill: [] });
  });

  it('9.12 shrink not allowed: the rejected update shows on the deploy plan (ERROR) until a configuration is accepted', () => {
    const log = deployed(helloWorld());
    log.reject([{ path: 'pods.hello.count', message: "New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks" }]);
    expect(log.tree('deploy')).toMatchObject({
      status: 'ERROR',
      errors: ["Field: 'pods.hello.count'; Message: 'New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks'; Fatal: false"],
    });
    expect(log.candidates()).toEqual([]);
    log.accept(helloWorld(), 'cfg-2', { previous: 'cfg-1' });
    expect(log.tree('deploy')).toMatchObject({ status: 'COMPLETE', errors: [] });
  });

  it('shrink not allowed, then the current target submitted again: the errors clear, nothing relaunches (reference §3.8.2 step 2)', () => {
    const log = deployed(helloWorld());
    log.reject([{ path: 'pods.hello.count', message: "New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks" }]);
    expect(log.tree('deploy').status).toBe('ERROR');
    const published = log.revalidate('cfg-1');
    expect(log.tree('deploy')).toMatchObject({ status: 'COMPLETE', errors: [] });
    expect(published.filter((e) => e.type === 'PlanStatusChanged').map((e) => e.data)).toEqual([expect.objectContaining({ plan: 'deploy', status: 'COMPLETE', errors: [] })]);
    expect(log.candidates()).toEqual([]);
    expect(log.replay()).toEqual(log.state);
  });

  it('9.12 world decommission: world-1 then world-0, each killed, unreserved and erased; all plans COMPLETE', () => {
    const log = deployed(helloWorld(2, { allowDecommission: true }));
    log.accept(helloWorld(0, { allowDecommission: true }), 'cfg-2', { previous: 'cfg-1' });
    expect(log.planNames()).toEqual(['deploy', 'recovery', 'decommission']);
    expect(log.tree('deploy')).toMatchObject({ status: 'COMPLETE', phases: ['hello=COMPLETE', 'world=COMPLETE'] });
    expect(log.tree('decommission').phases).toEqual(['world-1=PENDING', 'world-0=PENDING']);
    expect(log.tree('decommission').steps).toEqual([
      'kill-world-1-server=PENDING',
      'unreserve-res-world-1-agent-world-1=PENDING',
      'erase-world-1-server=PENDING',
      'kill-world-0-server=PENDING',
      'unreserve-res-world-0-agent-world-0=PENDING',
      'erase-world-0-server=PENDING',
    ]);
    expect(log.state.overrides['world-1-server']).toEqual({ target: 'DECOMMISSIONED', progress: 'PENDING' });
    expect(log.cycle().map((c) => c.step)).toEqual(['kill-world-1-server']);
    expect(log.state.overrides['world-1-server']).toEqual({ target: 'DECOMMISSIONED', progress: 'IN_PROGRESS' });
    log.killRequested();
    expect(log.candidates().map((c) => c.plan)).toEqual(['decommission']); // a decommissioned task is not recovered
    log.converge();
    expect(log.tree('decommission').status).toBe('COMPLETE');
    expect(Object.keys(log.state.tasks)).toEqual(['hello-0-server']);
    expect(log.state.overrides).toEqual({});
    expect(log.replay()).toEqual(log.state);
  });

  it('9.12 transient → permanent recovery: pod replace turns the one recovery phase PERMANENT', () => {
    const log = deployed(spec([pod('hello', 1, [task('server')])]));
    log.place = () => null;
    log.status('hello-0-server', 'TASK_FAILED');
    log.cycle();
    expect(log.tree('recovery')).toMatchObject({ phases: ['hello-0:[server]=IN_PROGRESS'], steps: ['hello-0:[server]=PREPARED'] });
    const r = log.pod({ pod: 'hello-0', action: 'replace' });
    expect(r).toMatchObject({ code: 'OK', tasks: ['hello-0-server'] });
    expect(log.state.plans[1].phases).toHaveLength(1);
    expect(log.state.plans[1].phases[0].steps[0].requirement?.recoveryType).toBe('PERMANENT');
    log.place = (c) => ({ agentId: 'agent-new', hostname: `new-${c.podIndex}` });
    log.converge();
    expect([log.tree('deploy').status, log.tree('recovery').status]).toEqual(['COMPLETE', 'COMPLETE']);
    expect(log.state.tasks['hello-0-server'].agentId).toBe('agent-new');
    expect(log.replay()).toEqual(log.state);
  });

  it('9.12 failure during a config update: recovery relaunches with the old configuration, deploy then updates', () => {
    const v1 = helloWorld();
    const log = deployed(v1);
    log.place = () => null;
    log.status('world-0-server', 'TASK_FAILED');
    log.cycle();
    expect(log.tree('recovery').steps).toEqual(['world-0:[server]=PREPARED']);
    const v2 = spec(v1.pods.map((p) => ({ ...p, tasks: p.tasks.map((t) => ({ ...t, env: { SLEEP_DURATION: '2000' } })) })));
    log.accept(v2, 'cfg-2', { previous: 'cfg-1', changedPods: ['hello', 'world'] });
    log.place = (c) => ({ agentId: `agent-${podInstanceName(c.podType, c.podIndex)}`, hostname: 'h' });
    const candidates = log.candidates();
    expect(candidates.map((c) => [c.plan, c.step, c.configId])).toEqual([
      ['deploy', 'hello-0:[server]', 'cfg-2'],
      ['recovery', 'world-0:[server]', 'cfg-1'],
    ]);
    log.converge();
    expect(Object.values(log.state.tasks).map((t) => `${t.taskName}@${t.configId}`).sort()).toEqual(['hello-0-server@cfg-2', 'world-0-server@cfg-2', 'world-1-server@cfg-2']);
    expect([log.tree('deploy').status, log.tree('recovery').status]).toEqual(['COMPLETE', 'COMPLETE']);
  });

  it('9.12 custom steps serial [[first],[second]]: first, then second on the same pod, then the next pod; third never', () => {
    const s = spec([pod('hello', 2, [task('first'), task('second'), task('third')])], [
      { name: 'deploy', strategy: 'serial', phases: [{ name: 'deploy', pod: 'hello', strategy: 'serial', steps: [{ key: 'default', tasks: [['first'], ['second']] }] }] },
    ]);
    const log = new Log();
    log.accept(s, 'cfg-1');
    const launched: string[] = [];
    for (let i = 0; i < 6; i++) {
      launched.push(...log.cycle().map((c) => c.step));
      log.runAll();
    }
    expect(launched).toEqual(['hello-0:[first]', 'hello-0:[second]', 'hello-1:[first]', 'hello-1:[second]']);
    expect(log.state.tasks['hello-0-third']).toBeUndefined();
    expect(log.tree('deploy').status).toBe('COMPLETE');
  });

  it('9.12 scheduler restart with readiness: a STARTED step stays STARTED after a replay (Marshal keeps the step state)', () => {
    const log = new Log();
    log.accept(spec([pod('world', 1, [task('server', { readinessCheck: readiness })])]), 'cfg-1');
    log.cycle();
    log.status('world-0-server', 'TASK_RUNNING', { readiness: { passed: false, exitCode: 1 } });
    expect(log.tree('deploy').steps).toEqual(['world-0:[server]=STARTED']);
    expect(log.replay()).toEqual(log.state);
    log.status('world-0-server', 'TASK_RUNNING', { readiness: { passed: true, exitCode: 0 } });
    expect(log.tree('deploy').steps).toEqual(['world-0:[server]=COMPLETE']);
  });
});

describe('§9.6 recovery at the aggregate', () => {
  const one = () => spec([pod('test-task-type', 1, [task('test-task-name')])]);

  it('9.6 a TASK_FAILED task gets one recovery phase with one step, launched in place', () => {
    const log = deployed(one());
    const first = log.state.tasks['test-task-type-0-test-task-name'];
    log.status('test-task-type-0-test-task-name', 'TASK_FAILED');
    expect(log.tree('recovery')).toMatchObject({ phases: ['test-task-type-0:[test-task-name]=PENDING'], steps: ['test-task-type-0:[test-task-name]=PENDING'] });
    const [c] = log.cycle();
    expect(c).toMatchObject({ plan: 'recovery', recoveryType: 'TRANSIENT', configId: 'cfg-1' });
    expect(log.state.tasks['test-task-type-0-test-task-name']).toMatchObject({ agentId: first.agentId });
    expect(log.state.tasks['test-task-type-0-test-task-name'].taskId).not.toBe(first.taskId);
  });

  it('9.6 insufficient resources: nothing launched, the step still exists', () => {
    const log = deployed(one());
    log.place = () => null;
    log.status('test-task-type-0-test-task-name', 'TASK_FAILED');
    log.cycle();
    expect(log.tree('recovery').steps).toEqual(['test-task-type-0:[test-task-name]=PREPARED']);
  });

  it('9.6 a second failure while recovery is pending keeps one step; a RUNNING of the old task changes nothing', () => {
    const log = deployed(one());
    log.place = () => null;
    expect(log.tree('recovery').phases).toEqual([]);
    log.status('test-task-type-0-test-task-name', 'TASK_FAILED');
    log.status('test-task-type-0-test-task-name', 'TASK_RUNNING');
    expect(log.tree('recovery').steps).toEqual(['test-task-type-0:[test-task-name]=PENDING']);
    log.status('test-task-type-0-test-task-name', 'TASK_FAILED');
    expect(log.tree('recovery').steps).toEqual(['test-task-type-0:[test-task-name]=PENDING']);
  });

  it('9.6 a recovery step is launched while deploy works on an unrelated step', () => {
    const log = deployed(spec([pod('test-task-type', 1, [task('test-task-name')])]));
    log.accept(spec([pod('test-task-type', 1, [task('test-task-name')]), pod('different', 1, [task('name')])]), 'cfg-2', { previous: 'cfg-1' });
    log.status('test-task-type-0-test-task-name', 'TASK_FAILED');
    expect(log.candidates().map((c) => `${c.plan}/${c.step}`)).toEqual(['deploy/different-0:[name]', 'recovery/test-task-type-0:[test-task-name]']);
  });

  it('9.6 deploy has priority over recovery for the same pod', () => {
    const log = new Log();
    log.accept(one(), 'cfg-1');
    log.cycle();
    log.status('test-task-type-0-test-task-name', 'TASK_FAILED');
    expect(log.candidates().map((c) => `${c.plan}/${c.step}`)).toEqual(['deploy/test-task-type-0:[test-task-name]']);
    expect(log.tree('recovery').phases).toEqual([]);
  });

  it('9.6 back-off: a failing recovery is DELAYED, longer each time, and pod restart clears it', () => {
    const env = { ENABLE_BACKOFF: 'true', FRAMEWORK_INITIAL_BACKOFF: '60', FRAMEWORK_BACKOFF_FACTOR: '2', FRAMEWORK_MAX_LAUNCH_DELAY: '300' };
    const log = deployed(one(), env);
    const name = 'test-task-type-0-test-task-name';
    log.status(name, 'TASK_FAILED'); // the deploy step is COMPLETE: no delay yet
    log.cycle();
    log.status(name, 'TASK_FAILED');
    expect(log.state.backoff[name]).toEqual({ delayMs: 60_000, since: log.nowMs });
    expect(log.tree('recovery').steps).toEqual([`test-task-type-0:[test-task-name]=DELAYED`]);
    expect(log.candidates()).toEqual([]);
    log.advance(61);
    log.tick();
    expect(log.tree('recovery').steps).toEqual([`test-task-type-0:[test-task-name]=PENDING`]);
    log.cycle();
    log.status(name, 'TASK_FAILED');
    expect(log.state.backoff[name].delayMs).toBe(120_000);
    log.pod({ pod: 'test-task-type-0', action: 'restart' });
    expect(log.state.backoff[name]).toBeUndefined();
    expect(log.candidates().map((c) => c.plan)).toEqual(['recovery']);
  });

  it('9.6 a task lost with its agent is recovered in place', () => {
    const log = deployed(one());
    log.status('test-task-type-0-test-task-name', 'TASK_LOST', { message: 'agent stopped reporting' });
    expect(log.candidates()).toMatchObject([{ plan: 'recovery', recoveryType: 'TRANSIENT' }]);
  });

  it('automatic pod replacement labels a pod down longer than its timeout permanently failed (PERMANENT recovery)', () => {
    const log = deployed(one(), { ENABLE_AUTOMATIC_POD_REPLACEMENT: 'true', PERMANENT_FAILURE_TIMEOUT_SECS: '120' });
    log.place = () => null;
    log.status('test-task-type-0-test-task-name', 'TASK_LOST');
    log.cycle();
    expect(log.state.plans[1].phases[0].steps[0].requirement?.recoveryType).toBe('TRANSIENT');
    log.advance(119);
    log.tick();
    expect(log.state.plans[1].phases[0].steps[0].requirement?.recoveryType).toBe('TRANSIENT');
    log.advance(2);
    const out = log.tick();
    expect(log.ofType(out, 'TasksPermanentlyFailed')).toHaveLength(1);
    expect(log.state.plans[1].phases).toHaveLength(1);
    expect(log.state.plans[1].phases[0].steps[0].requirement?.recoveryType).toBe('PERMANENT');
  });

  it('TASK_GONE_BY_OPERATOR labels the task permanently failed', () => {
    const log = deployed(one());
    log.status('test-task-type-0-test-task-name', 'TASK_GONE_BY_OPERATOR');
    expect(log.candidates()).toMatchObject([{ plan: 'recovery', recoveryType: 'PERMANENT' }]);
  });
});

describe('§9.10 pods at the aggregate', () => {
  const abcd = () => spec([pod('test', 3, ['a', 'b', 'c', 'd'].map((n) => task(n)))]);

  it('9.10 pause the whole pod test-0: all four tasks, each PAUSED/PENDING and killed', () => {
    const log = deployed(abcd());
    const r = log.pod({ pod: 'test-0', action: 'pause' });
    expect(r.tasks).toEqual(['test-0-a', 'test-0-b', 'test-0-c', 'test-0-d']);
    expect(log.ofType(r.events, 'TaskKillRequested').map((e) => e.data.taskName)).toEqual(r.tasks);
    for (const t of r.tasks) expect(log.state.overrides[t]).toEqual({ target: 'PAUSED', progress: 'PENDING' });
  });

  it('9.10 pause with ["a", "test-0-c"] selects those two only', () => {
    const log = deployed(abcd());
    expect(log.pod({ pod: 'test-0', action: 'pause', tasks: ['a', 'test-0-c'] }).tasks).toEqual(['test-0-a', 'test-0-c']);
    expect(Object.keys(log.state.overrides)).toEqual(['test-0-a', 'test-0-c']);
  });

  it.each(['restart', 'replace', 'pause', 'resume'] as const)('9.10 %s of an unknown pod answers 404 and stores nothing', (action) => {
    const log = deployed(abcd());
    const before = log.events.length;
    expect(log.pod({ pod: 'test-9', action })).toMatchObject({ code: 'NOT_FOUND', message: 'Pod test-9 not found' });
    expect(log.pod({ pod: 'test-0', action, tasks: ['zzz'] }).code).toBe(action === 'pause' || action === 'resume' ? 'NOT_FOUND' : 'OK');
    if (action === 'pause' || action === 'resume') expect(log.events.length).toBe(before);
  });

  it.each(['restart', 'replace'] as const)('9.10 %s test-1 kills its tasks, even ended ones', (action) => {
    const log = deployed(abcd());
    log.status('test-1-b', 'TASK_FAILED');
    const r = log.pod({ pod: 'test-1', action });
    expect(log.ofType(r.events, 'TaskKillRequested').map((e) => e.data.taskName)).toEqual(['test-1-a', 'test-1-b', 'test-1-c', 'test-1-d']);
  });

  it('pod restart relaunches in place (TRANSIENT); pod replace elsewhere with fresh reservations (PERMANENT)', () => {
    const log = deployed(spec([pod('hello', 1, [task('server')])]));
    log.pod({ pod: 'hello-0', action: 'restart' });
    log.killRequested();
    expect(log.candidates()).toMatchObject([{ plan: 'recovery', recoveryType: 'TRANSIENT' }]);
    log.converge();
    log.pod({ pod: 'hello-0', action: 'replace' });
    expect(log.candidates()).toMatchObject([{ plan: 'recovery', recoveryType: 'PERMANENT' }]);
    log.converge();
    expect(log.tree('recovery')).toMatchObject({ status: 'COMPLETE', phases: ['hello-0:[server]=COMPLETE'] });
    expect(log.replay()).toEqual(log.state);
  });

  it('pause relaunches idle and shows PAUSING then PAUSED; resume relaunches with the task command', () => {
    const log = deployed(spec([pod('hello', 1, [task('server')])]));
    log.pod({ pod: 'hello-0', action: 'pause' });
    log.killRequested();
    const [c] = log.candidates();
    expect(c).toMatchObject({ plan: 'recovery', step: 'hello-0:[server]', paused: ['server'] });
    log.cycle();
    expect(log.state.overrides['hello-0-server']).toEqual({ target: 'PAUSED', progress: 'IN_PROGRESS' });
    expect(log.tree('recovery').steps).toEqual(['hello-0:[server]=PAUSING']);
    log.status('hello-0-server', 'TASK_RUNNING', { readiness: { passed: false, exitCode: 1 } });
    expect(log.state.overrides['hello-0-server']).toEqual({ target: 'PAUSED', progress: 'COMPLETE' });
    expect(log.tree('deploy').steps).toEqual(['hello-0:[server]=PAUSED']);

    log.pod({ pod: 'hello-0', action: 'resume' });
    expect(log.state.overrides['hello-0-server']).toEqual({ target: 'NONE', progress: 'PENDING' });
    log.killRequested();
    const [again] = log.candidates();
    expect(again).toMatchObject({ plan: 'recovery', step: 'hello-0:[server]' });
    expect(again.paused).toBeUndefined();
    log.converge();
    expect(log.state.overrides).toEqual({});
    expect([log.tree('deploy').steps, log.tree('recovery').status]).toEqual([['hello-0:[server]=COMPLETE'], 'COMPLETE']);
    expect(log.replay()).toEqual(log.state);
  });
});

describe('§9.9 decommission and uninstall at the aggregate', () => {
  it('9.9 raising the count back aborts a pending scale-in: no decommission plan, overrides cleared', () => {
    const log = deployed(helloWorld(2, { allowDecommission: true }));
    log.place = () => null;
    log.accept(helloWorld(1, { allowDecommission: true }), 'cfg-2', { previous: 'cfg-1' });
    expect(log.state.overrides['world-1-server']).toMatchObject({ target: 'DECOMMISSIONED' });
    log.accept(helloWorld(2, { allowDecommission: true }), 'cfg-3', { previous: 'cfg-2' });
    expect(log.planNames()).toEqual(['deploy', 'recovery']);
    expect(log.state.overrides).toEqual({});
  });

  it('9.9 uninstall: kill every task, unreserve per agent, deregister; then the service is removed', () => {
    const log = deployed(helloWorld());
    const r = log.uninstall();
    expect(r.code).toBe('OK');
    expect(log.planNames()).toEqual(['deploy']);
    expect(log.tree('deploy').phases).toEqual([
      'kill-tasks=PENDING',
      'unreserve-resources-host-hello-0=PENDING',
      'unreserve-resources-host-world-0=PENDING',
      'unreserve-resources-host-world-1=PENDING',
      'deregister-service=PENDING',
    ]);
    expect(log.uninstall().events.filter((e) => e.type !== 'PlanStatusChanged')).toEqual([]);
    log.converge();
    expect(log.state.plans).toEqual([]);
    expect(log.state.targetConfigId).toBeNull();
    expect(log.ofType(log.events.map((e) => e.event), 'ServiceRemoved')).toHaveLength(1);
    expect(log.replay()).toEqual(log.state);
  });
});

describe('uninstall racing a launch', () => {
  it('kills a task launched after the uninstall started (placed before it)', () => {
    const log = new Log();
    log.accept(spec([pod('hello', 1, [task('server')])]), 'cfg-1');
    const [c] = log.candidates();
    log.uninstall();
    const out = log.external(subjects.serviceTask(SERVICE, 'agent-hello-0'), 'TaskLaunched', {
      service: SERVICE, agentId: 'agent-hello-0', hostname: 'host-hello-0', reservationId: 'r',
      step: { plan: c.plan, phaseId: c.phaseId, stepId: c.stepId, step: c.step },
      task: { taskId: 'late', taskName: 'hello-0-server', taskSpecName: 'server', service: SERVICE, podType: 'hello', podIndex: 0, configId: 'cfg-1', goal: 'RUNNING', essential: true, cmd: 'x', env: {}, resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [], configs: [], uris: [], rlimits: [], killGracePeriod: 0, labels: {} },
    });
    expect(log.ofType(out, 'TaskKillRequested').map((e) => [e.data.taskId, e.data.reason])).toEqual([['late', 'launched during uninstall']]);
  });
});

describe('progress deadline (Marshal, not in the original)', () => {
  it('reports a step that made no progress within the deadline in the plan errors, and drops it once it moves', () => {
    const log = new Log();
    log.place = () => null;
    log.accept(spec([pod('hello', 1, [task('server')])]), 'cfg-1', { env: { PLAN_PROGRESS_DEADLINE_S: '300' } });
    log.cycle();
    log.advance(299);
    log.tick();
    expect(log.tree('deploy')).toMatchObject({ status: 'IN_PROGRESS', errors: [] });
    log.advance(2);
    log.tick();
    const stalled = log.tree('deploy');
    expect(stalled.status).toBe('ERROR');
    expect(stalled.errors).toEqual([
      "Step 'hello-0:[server]' of phase 'hello' made no progress within 300s (PREPARED since 2026-11-22T10:00:00.000Z): waiting for an agent with room for it; last: no agent fits: insufficient cpus",
    ]);
    const published = log.events.length;
    log.advance(60);
    log.tick();
    expect(log.events.length).toBe(published); // the same error is not published again
    log.place = (c) => ({ agentId: 'a', hostname: `h-${c.podIndex}` });
    log.cycle();
    expect(log.tree('deploy')).toMatchObject({ status: 'STARTING', errors: [] });
  });

  it('a plan setting overrides the service setting; interrupted plans are never overdue', () => {
    const s = spec([pod('hello', 1, [task('server')]), pod('side', 1, [task('once', { goal: 'ONCE' })])], [
      { name: 'deploy', strategy: 'serial', phases: [{ name: 'hello', pod: 'hello', strategy: 'serial' }] },
      { name: 'sidecar', strategy: 'serial', phases: [{ name: 'side', pod: 'side', strategy: 'serial' }] },
    ]);
    const log = new Log();
    log.accept(s, 'cfg-1', { env: { PLAN_PROGRESS_DEADLINE_S: '300', PLAN_PROGRESS_DEADLINE_S_DEPLOY: '0', PLAN_PROGRESS_DEADLINE_S_SIDECAR: '10' } });
    log.advance(400);
    log.tick();
    expect([log.tree('deploy').errors, log.tree('sidecar').errors]).toEqual([[], []]);
    log.plan({ plan: 'sidecar', action: 'start' });
    log.advance(11);
    log.tick();
    expect(log.tree('sidecar').errors).toHaveLength(1);
    expect(transitions(log.events.map((e) => e.event))).toEqual([]);
  });
});

describe('a task status the step had not taken in (found by the fault suite)', () => {
  /**
   * The log a lagging or restarted plan-manager can leave: the task's TASK_RUNNING lands before the transition that
   * records the launch (decided on a state not yet folded up to the status), and nothing reacted to the status.
   */
  function statusBeforeLaunchReport(): { log: Log; state: ServiceState } {
    const log = new Log();
    log.accept(spec([pod('hello', 1, [task('server')])]), 'cfg-1');
    log.cycle();
    log.status('hello-0-server', 'TASK_RUNNING');
    const recs = log.events;
    const running = recs.findIndex((r) => r.event.type === 'TaskStatusUpdated' && r.event.data.state === 'TASK_RUNNING');
    const starting = recs.findIndex((r) => r.event.type === 'StepStatusChanged' && r.event.data.to === 'STARTING');
    const reordered = [...recs.slice(0, starting), recs[running], ...recs.slice(starting, running)];
    return { log, state: reordered.reduce((s, rec) => evolveService(s, rec, subjects), initialServiceState(SERVICE)) };
  }

  it('is taken in by the next reconciliation: the step completes', () => {
    const { log, state } = statusBeforeLaunchReport();
    const step = state.plans.find((p) => p.name === 'deploy')?.phases[0].steps[0];
    expect(step?.status).toBe('STARTING');
    const fix = reconcileService(state, log.ctx());
    expect(transitions(fix.plan)).toEqual(['deploy/hello-0:[server]: STARTING → COMPLETE']);
    expect(fix.plan[0]).toMatchObject({ data: { reason: 'hello-0-server is TASK_RUNNING' } });
  });

  it('is not taken in twice: a step restarted by an operator stays PENDING', () => {
    const log = deployed(spec([pod('hello', 1, [task('server')])]));
    expect(log.plan({ action: 'restart', plan: 'deploy', phase: 'hello', step: 'hello-0:[server]' }).code).toBe('OK');
    expect(log.tree('deploy').steps).toEqual(['hello-0:[server]=PENDING']);
    expect(reconcileService(log.state, log.ctx()).plan).toEqual([]);
  });
});

describe('published plan statuses (what the audit log shows)', () => {
  it('a deploy publishes each plan status once per change; steps moving under an unchanged status are PlanProgressed', () => {
    const log = deployed(helloWorld());
    const published = log.events.map((r) => r.event).filter((e) => e.type === 'PlanStatusChanged' || e.type === 'PlanProgressed');
    const last = new Map<string, string>();
    for (const e of published) {
      if (e.type !== 'PlanStatusChanged') continue;
      const own = `${e.data.status} ${JSON.stringify(e.data.errors)}`;
      expect({ plan: e.data.plan, repeated: last.get(e.data.plan) === own }).toEqual({ plan: e.data.plan, repeated: false });
      last.set(e.data.plan, own);
    }
    // Each of the three steps went PENDING → … → COMPLETE while the deploy plan stayed IN_PROGRESS at least once.
    const progressed = published.filter((e) => e.type === 'PlanProgressed' && e.data.plan === 'deploy');
    expect(progressed.length).toBeGreaterThan(0);
    expect(progressed.flatMap((e) => (e.type === 'PlanProgressed' ? e.data.steps : [])).length).toBeGreaterThan(0);
    // The published statuses still fold into what the plan shows.
    expect(log.replay()).toEqual(log.state);
    expect(log.tree('deploy').steps).toEqual(['hello-0:[server]=COMPLETE', 'world-0:[server]=COMPLETE', 'world-1:[server]=COMPLETE']);
  });
});
