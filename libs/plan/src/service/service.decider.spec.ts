import type { ServiceSpec, TaskInfo } from '@marshal/contracts';
import { pod, serviceSpec, task } from '../model/testing';
import { deciderSpecification } from './decider-specification';
import { Log, SERVICE, subjects, transitions } from './testing';

const helloSpec = (count = 1): ServiceSpec => ({ ...serviceSpec([pod('hello', count, [task('server')])]), name: SERVICE });
const helloWorld = (hello = 1, world = 1): ServiceSpec => ({
  ...serviceSpec([pod('hello', hello, [task('server')]), pod('world', world, [task('server')])]),
  name: SERVICE,
});

describe('service aggregate: generation and the step lifecycle', () => {
  it('generates the default deploy plan and an empty recovery plan for an accepted configuration', () => {
    const log = new Log();
    const out = log.accept(helloSpec(2), 'cfg-1');
    expect(log.ofType(out, 'PlanGenerated').map((e) => e.data.plan.name)).toEqual(['deploy', 'recovery']);
    expect(log.tree('deploy').steps).toEqual(['hello-0:[server]=PENDING', 'hello-1:[server]=PENDING']);
    expect(log.tree('recovery')).toMatchObject({ status: 'COMPLETE', phases: [] });
    expect(log.candidates().map((c) => c.step)).toEqual(['hello-0:[server]']);
  });

  it('walks a step PENDING → PREPARED → STARTING → COMPLETE and publishes the plan COMPLETE', () => {
    const log = new Log();
    log.accept(helloSpec(1), 'cfg-1');
    const step = log.state.plans[0].phases[0].steps[0];
    expect(transitions(log.report('deploy', step.id, { kind: 'reserved', agentId: 'a1', hostname: 'h1' }))).toEqual(['deploy/hello-0:[server]: PENDING → PREPARED']);
    log.cycle();
    expect(log.state.plans[0].phases[0].steps[0].status).toBe('STARTING');
    expect(log.candidates()).toEqual([]);
    const out = log.status('hello-0-server', 'TASK_RUNNING');
    expect(transitions(out)).toEqual(['deploy/hello-0:[server]: STARTING → COMPLETE']);
    expect(log.ofType(out, 'PlanStatusChanged').map((e) => `${e.data.plan}:${e.data.status}`)).toContain('deploy:COMPLETE');
    expect(log.state.deploymentCompleted).toBe(true);
  });

  it('ignores statuses of task ids the step does not track; a failure makes the step DELAYED, shown PENDING without back-off', () => {
    const log = new Log();
    log.accept(helloSpec(1), 'cfg-1');
    log.cycle();
    const step = log.state.plans[0].phases[0].steps[0];
    const real = log.state.tasks['hello-0-server'];
    log.state = { ...log.state, tasks: { ...log.state.tasks, 'hello-0-server': { ...real, taskId: 'other' } } };
    expect(transitions(log.status('hello-0-server', 'TASK_RUNNING'))).toEqual([]);
    log.state = { ...log.state, tasks: { ...log.state.tasks, 'hello-0-server': real } };
    expect(transitions(log.status('hello-0-server', 'TASK_FAILED'))).toEqual(['deploy/hello-0:[server]: STARTING → DELAYED']);
    expect(log.state.published['deploy'].steps[step.id]).toBe('PENDING');
    expect(log.candidates().map((c) => c.step)).toEqual(['hello-0:[server]']);
  });

  it('after an update only pod types that changed relaunch, killing the old task first (reference §3.8.1, §3.8.2)', () => {
    const log = new Log();
    const spec = helloWorld();
    log.accept(spec, 'cfg-1');
    log.converge();
    expect(log.tree('deploy').status).toBe('COMPLETE');

    const updated = { ...spec, pods: [spec.pods[0], { ...spec.pods[1], tasks: [task('server', { cmd: './server --v2' })] }] };
    log.accept(updated, 'cfg-2', { previous: 'cfg-1', changedPods: ['world'] });
    expect(log.tree('deploy').steps).toEqual(['hello-0:[server]=COMPLETE', 'world-0:[server]=PENDING']);
    const [c] = log.candidates();
    expect(c.step).toBe('world-0:[server]');
    expect(c.configId).toBe('cfg-2');
    expect(c.tasksToKill).toEqual([{ taskId: log.state.tasks['world-0-server'].taskId, taskName: 'world-0-server', agentId: 'agent-world-0' }]);
  });

  it('a status that arrives before the launch report is applied when the report comes', () => {
    const log = new Log();
    log.accept(helloSpec(1), 'cfg-1');
    const step = log.state.plans[0].phases[0].steps[0];
    log.report('deploy', step.id, { kind: 'reserved', agentId: 'a1', hostname: 'h1' });
    const task: TaskInfo = {
      taskId: 't1', taskName: 'hello-0-server', taskSpecName: 'server', service: SERVICE, podType: 'hello', podIndex: 0, configId: 'cfg-1',
      goal: 'RUNNING', essential: true, cmd: 'x', env: {}, resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [],
      configs: [], uris: [], rlimits: [], killGracePeriod: 0, labels: {},
    };
    log.external(subjects.serviceTask(SERVICE, 'a1'), 'TaskLaunched', {
      service: SERVICE, agentId: 'a1', hostname: 'h1', reservationId: 'r1', step: { plan: 'deploy', phaseId: 'p', stepId: step.id, step: step.name }, task,
    });
    // The task is fast: RUNNING lands before the coordinator's launch report reaches the step.
    expect(transitions(log.status('hello-0-server', 'TASK_RUNNING'))).toEqual([]);
    const out = log.report('deploy', step.id, { kind: 'launched', tasks: [{ taskId: 't1', taskName: 'hello-0-server' }] });
    expect(transitions(out)).toEqual(['deploy/hello-0:[server]: PREPARED → COMPLETE']);
    expect(log.tree('deploy').status).toBe('COMPLETE');
  });

  it('gives each candidate the chain of the event that last changed or released its step (docs/architecture.md, lineage)', () => {
    const log = new Log();
    const [generated] = log.ofType(log.accept(helloSpec(1), 'cfg-1'), 'PlanGenerated').filter((e) => e.data.plan.name === 'deploy');
    expect(log.candidates()[0].lineage).toEqual({ correlationId: 'c', causationId: generated.id });
    log.cycle();
    const [delayed] = log.ofType(log.status('hello-0-server', 'TASK_FAILED'), 'StepStatusChanged');
    expect(log.candidates()[0].lineage).toEqual({ correlationId: 'c', causationId: delayed.id });

    // An operator's go-ahead: the step's first launch continues the command's chain.
    const held = new Log();
    held.accept(helloSpec(1), 'cfg-1');
    held.plan({ plan: 'deploy', action: 'interrupt' });
    expect(held.candidates()).toEqual([]);
    const [proceeded] = held.ofType(held.plan({ plan: 'deploy', action: 'continue' }).events, 'PlanProceeded');
    expect(held.candidates()[0].lineage).toEqual({ correlationId: 'c', causationId: proceeded.id });
  });

  it('rebuilds exactly the live state when the log is replayed', () => {
    const log = new Log();
    log.accept(helloSpec(2), 'cfg-1');
    log.converge();
    expect(log.replay()).toEqual(log.state);
  });
});

describe('service decider: given a history, when a command, then events (reference §6.2, §6.3, §3.6)', () => {
  const installed = (): Log => {
    const log = new Log();
    log.accept(helloSpec(1), 'cfg-1');
    log.converge();
    return log;
  };
  const spec = (log: Log) => deciderSpecification(() => log.ctx(log.actor));

  it('rejects every command on a service it never saw, changing nothing', () => {
    const log = new Log();
    const when = spec(log).given([]).when;
    when({ type: 'ApplyPlanCommand', command: { plan: 'deploy', action: 'interrupt' } }).thenRejects('NOT_FOUND', `Service ${SERVICE} not found`);
    when({ type: 'ApplyPodCommand', command: { pod: 'hello-0', action: 'restart' } }).thenRejects('NOT_FOUND', `Service ${SERVICE} not found`);
    when({ type: 'UninstallService' }).thenRejects('NOT_FOUND', `Service ${SERVICE} not found`);
    when({ type: 'ReportOfferEvaluation', plan: 'deploy', stepId: 's', result: { kind: 'done', note: 'x' } }).thenRejects('NOT_FOUND');
    when({ type: 'Tick' }).then([]);
  });

  it('interrupts a running plan; a second interrupt is ALREADY_REPORTED', () => {
    const log = new Log();
    log.accept(helloSpec(2), 'cfg-1');
    spec(log).given(log.events).when({ type: 'ApplyPlanCommand', command: { plan: 'deploy', action: 'interrupt' } }).then([
      { type: 'PlanInterrupted', data: { service: SERVICE, plan: 'deploy' } },
    ]);
    log.plan({ plan: 'deploy', action: 'interrupt' });
    spec(log).given(log.events).when({ type: 'ApplyPlanCommand', command: { plan: 'deploy', action: 'interrupt' } }).thenRejects('ALREADY_REPORTED', 'Command has already been reported or completed');
  });

  it('restarting a pod asks for it and kills its tasks on their agent subjects', () => {
    const log = installed();
    const task = log.state.tasks['hello-0-server'];
    spec(log).given(log.events).when({ type: 'ApplyPodCommand', command: { pod: 'hello-0', action: 'restart' } }).then([
      { type: 'TaskKillRequested', data: { service: SERVICE, agentId: task.agentId, taskId: task.taskId, taskName: 'hello-0-server', reason: 'pod restart by operator:alice' } },
      { type: 'PodRestartRequested', data: { service: SERVICE, pod: 'hello-0', tasks: ['hello-0-server'] } },
    ]);
    spec(log).given(log.events).when({ type: 'ApplyPodCommand', command: { pod: 'hello-7', action: 'restart' } }).thenRejects('NOT_FOUND', 'Pod hello-7 not found');
  });

  it('a report for a step the service no longer has decides nothing', () => {
    const log = installed();
    spec(log).given(log.events).when({ type: 'ReportOfferEvaluation', plan: 'deploy', stepId: 'gone', result: { kind: 'no-fit', outcome: 'x' } }).then([]);
  });

  it('uninstall starts once: the plans are replaced by the uninstall plan; a second request changes nothing', () => {
    const log = installed();
    const given = spec(log).given(log.events);
    given.when({ type: 'UninstallService' }).then([
      { type: 'ServiceUninstallStarted', data: { service: SERVICE } },
      { type: 'PlanRemoved', data: { service: SERVICE, plan: 'deploy', reason: 'service uninstall' } },
      { type: 'PlanRemoved', data: { service: SERVICE, plan: 'recovery', reason: 'service uninstall' } },
      { type: 'PlanGenerated', data: expect.objectContaining({ service: SERVICE, order: 0, configId: 'cfg-1' }) },
    ]);
    log.uninstall();
    spec(log).given(log.events).when({ type: 'UninstallService' }).then([]);
  });
});
