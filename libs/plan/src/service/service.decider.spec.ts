import {
  makeEvent,
  serviceAggregate,
  subjectsFor,
  type CommandRequest,
  type EventData,
  type EventType,
  type MarshalEvent,
  type Recorded,
  type ServiceSpec,
  type TaskInfo,
} from '@marshal/contracts';
import { idGenerator, pod, serviceSpec, task } from '../model/testing';
import { evolveService, initialServiceState, type ServiceState } from './service-state';
import { applyOfferReport, candidatesOf, publishStatuses, reactToEvent, type DecisionContext } from './service.decider';

const subjects = subjectsFor('unit');
const SERVICE = 'hello-world';
const NOW = '2026-11-22T10:00:00.000Z';

/** Given/when/then over the service's history: a tiny log, folded the way plan-manager folds it. */
class Log {
  seq = 0;
  readonly events: Recorded<MarshalEvent>[] = [];
  state: ServiceState = initialServiceState(SERVICE);
  private readonly ids = idGenerator('ev');
  readonly ctx: DecisionContext = { now: NOW, newId: idGenerator('id'), subjects, correlationId: 'c', causationId: null, actor: 'test' };

  private record(subject: string, event: MarshalEvent): Recorded<MarshalEvent> {
    const rec = { seq: ++this.seq, subject, event };
    this.events.push(rec);
    this.state = evolveService(this.state, rec, subjects);
    return rec;
  }

  /** Another writer's event, then plan-manager's reaction and published statuses. */
  external<T extends EventType>(subject: string, type: T, data: EventData<T>): MarshalEvent[] {
    const event = makeEvent(type, serviceAggregate(SERVICE), data, { id: this.ids(), at: NOW, correlationId: 'c', causationId: null, actor: 'test' }) as MarshalEvent;
    const rec = this.record(subject, event);
    return this.commit(reactToEvent(this.state, rec, this.ctx));
  }

  commit(events: MarshalEvent[]): MarshalEvent[] {
    for (const e of events) this.record(subjects.servicePlan(SERVICE), e);
    const statuses = publishStatuses(this.state, this.ctx);
    for (const e of statuses) this.record(subjects.servicePlan(SERVICE), e);
    return [...events, ...statuses];
  }

  report(stepId: string, result: CommandRequest<'plan.offer-evaluated'>['result']): MarshalEvent[] {
    return this.commit(
      applyOfferReport(this.state, { meta: { commandId: 'x', actor: 'c', correlationId: 'c' }, service: SERVICE, plan: 'deploy', stepId, minSeq: 0, result }, this.ctx),
    );
  }
}

const helloSpec = (count = 1): ServiceSpec => ({ ...serviceSpec([pod('hello', count, [task('server')])]), name: SERVICE });

function accept(log: Log, spec: ServiceSpec, configId: string, previous: string | null = null, changedPods: string[] = []): MarshalEvent[] {
  return log.external(subjects.serviceConfig(SERVICE), 'ConfigurationAccepted', {
    service: SERVICE, configId, previousConfigId: previous, spec, options: {}, package: { name: 'p', version: '1', files: {} },
    schedulerEnv: {}, warnings: [], diff: '', changedPods,
  });
}

function taskInfo(taskId: string, taskName: string, configId: string): TaskInfo {
  const [podType, podIndex, taskSpecName] = [taskName.split('-')[0], Number(taskName.split('-')[1]), taskName.split('-').slice(2).join('-')];
  return {
    taskId, taskName, taskSpecName, service: SERVICE, podType, podIndex, configId, goal: 'RUNNING', essential: true, cmd: 'x', env: {},
    resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [], configs: [], uris: [], rlimits: [], killGracePeriod: 0, labels: {},
  };
}

function launch(log: Log, stepId: string, taskId: string, taskName: string, configId: string): void {
  log.external(subjects.serviceTask(SERVICE, 'a1'), 'TaskLaunched', {
    service: SERVICE, agentId: 'a1', hostname: 'h1', reservationId: 'r1',
    step: { plan: 'deploy', phaseId: 'p', stepId, step: 's' }, task: taskInfo(taskId, taskName, configId),
  });
  log.report(stepId, { kind: 'launched', tasks: [{ taskId, taskName }] });
}

function status(log: Log, taskId: string, taskName: string, state: 'TASK_RUNNING' | 'TASK_FAILED' | 'TASK_STARTING'): MarshalEvent[] {
  return log.external(subjects.serviceTask(SERVICE, 'a1'), 'TaskStatusUpdated', { service: SERVICE, agentId: 'a1', taskId, taskName, state, message: '' });
}

const transitions = (events: MarshalEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'StepStatusChanged' ? [`${e.data.step}: ${e.data.from} → ${e.data.to}`] : []));

describe('service aggregate', () => {
  it('generates the default deploy plan and an empty recovery plan for an accepted configuration', () => {
    const log = new Log();
    const out = accept(log, helloSpec(2), 'cfg-1');
    const generated = out.filter((e) => e.type === 'PlanGenerated');
    expect(generated.map((e) => (e.type === 'PlanGenerated' ? e.data.plan.name : ''))).toEqual(['deploy', 'recovery']);
    expect(log.state.plans[0].phases[0].steps.map((s) => s.name)).toEqual(['hello-0:[server]', 'hello-1:[server]']);
    expect(candidatesOf(log.state, NOW).map((c) => c.step)).toEqual(['hello-0:[server]']);
  });

  it('walks a step PENDING → PREPARED → STARTING → COMPLETE and publishes the plan COMPLETE', () => {
    const log = new Log();
    accept(log, helloSpec(1), 'cfg-1');
    const step = log.state.plans[0].phases[0].steps[0];
    expect(transitions(log.report(step.id, { kind: 'reserved', agentId: 'a1', hostname: 'h1' }))).toEqual(['hello-0:[server]: PENDING → PREPARED']);
    launch(log, step.id, 't1', 'hello-0-server', 'cfg-1');
    expect(log.state.plans[0].phases[0].steps[0].status).toBe('STARTING');
    expect(candidatesOf(log.state, NOW)).toEqual([]);
    const out = status(log, 't1', 'hello-0-server', 'TASK_RUNNING');
    expect(transitions(out)).toEqual(['hello-0:[server]: STARTING → COMPLETE']);
    const published = out.filter((e) => e.type === 'PlanStatusChanged').map((e) => (e.type === 'PlanStatusChanged' ? `${e.data.plan}:${e.data.status}` : ''));
    expect(published).toContain('deploy:COMPLETE');
    expect(log.state.deploymentCompleted).toBe(true);
  });

  it('ignores statuses of tasks the step does not track; a failure makes the step DELAYED, shown PENDING without back-off', () => {
    const log = new Log();
    accept(log, helloSpec(1), 'cfg-1');
    const step = log.state.plans[0].phases[0].steps[0];
    launch(log, step.id, 't1', 'hello-0-server', 'cfg-1');
    expect(transitions(status(log, 'other', 'hello-0-server', 'TASK_RUNNING'))).toEqual([]);
    expect(transitions(status(log, 't1', 'hello-0-server', 'TASK_FAILED'))).toEqual(['hello-0:[server]: STARTING → DELAYED']);
    expect(log.state.published['deploy'].steps[step.id]).toBe('PENDING');
    expect(candidatesOf(log.state, NOW).map((c) => c.step)).toEqual(['hello-0:[server]']);
  });

  it('after an update only pod types that changed relaunch (reference §3.8.1, §3.8.2)', () => {
    const log = new Log();
    const spec = { ...serviceSpec([pod('hello', 1, [task('server')]), pod('world', 1, [task('server')])]), name: SERVICE };
    accept(log, spec, 'cfg-1');
    const [hello, world] = log.state.plans[0].phases.map((p) => p.steps[0]);
    launch(log, hello.id, 't1', 'hello-0-server', 'cfg-1');
    status(log, 't1', 'hello-0-server', 'TASK_RUNNING');
    launch(log, world.id, 't2', 'world-0-server', 'cfg-1');
    status(log, 't2', 'world-0-server', 'TASK_RUNNING');
    expect(log.state.published['deploy'].status).toBe('COMPLETE');

    const updated = { ...spec, pods: [spec.pods[0], { ...spec.pods[1], tasks: [task('server', { cmd: './server --v2' })] }] };
    accept(log, updated, 'cfg-2', 'cfg-1', ['world']);
    const steps = log.state.plans[0].phases.map((p) => `${p.steps[0].name}=${p.steps[0].status}`);
    expect(steps).toEqual(['hello-0:[server]=COMPLETE', 'world-0:[server]=PENDING']);
    const [c] = candidatesOf(log.state, NOW);
    expect(c.step).toBe('world-0:[server]');
    expect(c.configId).toBe('cfg-2');
    expect(c.tasksToKill).toEqual([{ taskId: 't2', taskName: 'world-0-server', agentId: 'a1' }]);
  });

  it('gives each candidate the chain of the event that last changed its step (issue 6 lineage)', () => {
    const log = new Log();
    const generated = accept(log, helloSpec(1), 'cfg-1').find((e) => e.type === 'PlanGenerated' && e.data.plan.name === 'deploy');
    const step = log.state.plans[0].phases[0].steps[0];
    expect(candidatesOf(log.state, NOW)[0].lineage).toEqual({ correlationId: 'c', causationId: generated?.id });
    launch(log, step.id, 't1', 'hello-0-server', 'cfg-1');
    const delayed = status(log, 't1', 'hello-0-server', 'TASK_FAILED').find((e) => e.type === 'StepStatusChanged');
    expect(candidatesOf(log.state, NOW)[0].lineage).toEqual({ correlationId: 'c', causationId: delayed?.id });
  });

  it('rebuilds exactly the live state when the log is replayed', () => {
    const log = new Log();
    accept(log, helloSpec(2), 'cfg-1');
    const step = log.state.plans[0].phases[0].steps[0];
    log.report(step.id, { kind: 'reserved', agentId: 'a1', hostname: 'h1' });
    launch(log, step.id, 't1', 'hello-0-server', 'cfg-1');
    status(log, 't1', 'hello-0-server', 'TASK_RUNNING');
    const replayed = log.events.reduce((s, rec) => evolveService(s, rec, subjects), initialServiceState(SERVICE));
    expect(replayed).toEqual(log.state);
  });
});
