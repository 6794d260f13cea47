import { makeEvent, serviceAggregate, subjectsFor, type Candidate, type EventData, type EventType, type MarshalEvent, type TaskInfo } from '@marshal/contracts';
import { CoordinatorFold } from './coordinator.fold';

let seq = 0;
const rec = <T extends EventType>(type: T, data: EventData<T>, subject = 'marshal.evt.svc.s.task.a1') => ({
  seq: ++seq,
  subject,
  event: makeEvent(type, serviceAggregate('s'), data, { id: `e${seq}`, at: '2026-11-22T00:00:00.000Z', correlationId: 'c', causationId: null, actor: 't' }) as MarshalEvent,
});
const task = (taskId: string, name = 'server'): TaskInfo => ({
  taskId, taskName: `hello-0-${name}`, taskSpecName: name, service: 's', podType: 'hello', podIndex: 0, configId: 'c1', goal: 'RUNNING', essential: true,
  cmd: 'sleep 1', env: {}, resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [], configs: [], uris: [], rlimits: [],
  killGracePeriod: 0, labels: {},
});
const step = { plan: 'deploy', phaseId: 'ph', stepId: 'st', step: 'hello-0:[server]' };
const launched = (taskId: string, stepRef = step, name = 'server') =>
  rec('TaskLaunched', { service: 's', agentId: 'a1', hostname: 'a1', reservationId: 'r', step: stepRef, task: task(taskId, name) });
const candidate = (tasks = ['server']): Candidate => ({
  service: 's', configId: 'c1', plan: 'deploy', phaseId: 'ph', phase: 'hello', stepId: 'st', step: `hello-0:[${tasks.join(', ')}]`, kind: 'deployment',
  status: 'PREPARED', podType: 'hello', podIndex: 0, tasks, recoveryType: 'NONE', environment: {}, tasksToKill: [],
});
const stepChanged = (taskIds: string[]) =>
  rec(
    'StepStatusChanged',
    {
      service: 's', plan: 'deploy', phaseId: 'ph', phase: 'hello', stepId: 'st', step: 'hello-0:[server]', from: 'PREPARED', to: 'STARTING', reason: 'launched',
      launched: taskIds.map((taskId) => ({ taskId, taskName: 'hello-0-server', status: 'STARTING' })), prepared: true, errors: [],
    },
    'marshal.evt.svc.s.plan',
  );
const unreported = (s: CoordinatorFold, c = candidate()) => [...s.unreportedLaunches(c).values()].map((t) => t.taskId);

/** A coordinator restarted between launching a step's tasks and reporting them must not launch them again. */
describe('launches a previous coordinator did not report', () => {
  it('a task launched for the step and not recorded on it by plan-manager is still the step\'s launch', () => {
    const s = new CoordinatorFold(subjectsFor());
    s.apply(launched('t1'));
    expect(unreported(s)).toEqual(['t1']);
  });

  it.each([
    ['plan-manager recorded it on the step', [stepChanged(['t1'])]],
    ['it ended', [rec('TaskStatusUpdated', { service: 's', agentId: 'a1', taskId: 't1', taskName: 'hello-0-server', state: 'TASK_FAILED', message: '' })]],
    ['it was lost', [rec('TaskStatusUpdated', { service: 's', agentId: 'a1', taskId: 't1', taskName: 'hello-0-server', state: 'TASK_LOST', message: '' })]],
    ['it was asked to die', [rec('TaskKillRequested', { service: 's', agentId: 'a1', taskId: 't1', taskName: 'hello-0-server', reason: 'restart' })]],
  ])('is not, once %s: the step relaunches normally', (_name, events) => {
    const s = new CoordinatorFold(subjectsFor());
    s.apply(launched('t1'));
    events.forEach((e) => s.apply(e));
    expect(unreported(s)).toEqual([]);
  });

  it('only the latest launch of each task of the step counts, and only for that step', () => {
    const s = new CoordinatorFold(subjectsFor());
    s.apply(launched('t1'));
    s.apply(stepChanged(['t1']));
    s.apply(launched('t2'));
    s.apply(launched('t9', { ...step, stepId: 'other' }));
    expect(unreported(s)).toEqual(['t2']);
  });

  it('finds the launched part of a multi-task step (the rest is launched, this part kept)', () => {
    const s = new CoordinatorFold(subjectsFor());
    s.apply(launched('ta', step, 'a'));
    expect([...s.unreportedLaunches(candidate(['a', 'b'])).keys()]).toEqual(['hello-0-a']);
  });
});

describe('the last service event folded (what plan-manager must have folded before it answers)', () => {
  it('moves with events on service subjects only, not with agents’ ledgers', () => {
    const s = new CoordinatorFold(subjectsFor());
    const l = launched('t1');
    s.apply(l);
    s.apply(rec('AgentLost', { agentId: 'a1', lastSeen: '2026-11-22T00:00:00.000Z', reason: 'test' }, 'marshal.evt.agent.a1'));
    expect([s.serviceSeq, s.seq]).toEqual([l.seq, l.seq + 1]);
  });
});

describe('events this process appended, folded before the log delivers them', () => {
  const lost = (at: number) => ({ ...rec('AgentLost', { agentId: 'a1', lastSeen: '2026-11-22T00:00:00.000Z', reason: 'test' }, 'marshal.evt.agent.a1'), seq: at });
  const registered = () =>
    rec(
      'AgentRegistered',
      { agentId: 'a1', hostname: 'h1', attributes: {}, resources: { cpus: 1, memory: 64, disk: 0, gpus: 0, ports: [], mounts: [] } },
      'marshal.evt.agent.a1',
    );

  it('count at once: the agent is lost, its task too', () => {
    const s = new CoordinatorFold(subjectsFor());
    s.apply(registered());
    s.apply(launched('t1'));
    s.applyAppended([lost(10_000), { ...rec('TaskStatusUpdated', { service: 's', agentId: 'a1', taskId: 't1', taskName: 'hello-0-server', state: 'TASK_LOST', message: '' }), seq: 10_001 }]);
    expect([s.ledger.agents.get('a1')?.lost, s.liveTasksOn('a1')]).toEqual([true, []]);
  });

  it('move no position: the events of the log before them still fold, in order', () => {
    const s = new CoordinatorFold(subjectsFor());
    s.apply(registered());
    const position = [s.seq, s.ledger.seq];
    s.applyAppended([lost(10_000)]);
    expect([s.seq, s.ledger.seq]).toEqual(position);
    s.apply(rec('ResourcesReserved', { agentId: 'a1', reservationId: 'r1', service: 's', podType: 'hello', podIndex: 0, resources: { cpus: 1, memory: 64, disk: 0, gpus: 0 }, ports: [], volumes: [] }, 'marshal.evt.agent.a1'));
    expect([...(s.ledger.agents.get('a1')?.reservations.keys() ?? [])]).toEqual(['r1']);
  });

  it('a launch waits for the log: folded twice it would forget the statuses in between', () => {
    const s = new CoordinatorFold(subjectsFor());
    const l = launched('t1');
    s.apply(l);
    s.apply(rec('TaskStatusUpdated', { service: 's', agentId: 'a1', taskId: 't1', taskName: 'hello-0-server', state: 'TASK_FINISHED', message: '' }));
    s.applyAppended([l]);
    expect(s.liveTasksOn('a1')).toEqual([]);
  });
});
