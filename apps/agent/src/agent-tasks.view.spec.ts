import { makeEvent, type EventData, type EventType, type MarshalEvent, type TaskInfo } from '@marshal/contracts';
import { AgentTasksView } from './agent-tasks.view';

const meta = (id: string, correlationId = 'c') => ({ id, at: '2026-11-22T00:00:00.000Z', correlationId, causationId: null, actor: 't' });
const ev = <T extends EventType>(type: T, data: EventData<T>, id: string, correlationId?: string): MarshalEvent =>
  makeEvent(type, 'service:s', data, meta(id, correlationId)) as MarshalEvent;
const task = (taskId: string): TaskInfo => ({
  taskId, taskName: 'hello-0-server', taskSpecName: 'server', service: 's', podType: 'hello', podIndex: 0, configId: 'c1', goal: 'RUNNING',
  essential: true, cmd: 'sleep 1', env: {}, resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [], configs: [],
  uris: [], rlimits: [], killGracePeriod: 0, labels: {},
});
const launched = (taskId: string, agentId = 'a1') =>
  ev('TaskLaunched', { service: 's', agentId, hostname: 'h', reservationId: 'r', step: { plan: 'deploy', phaseId: 'p', stepId: 'st', step: 'hello-0:[server]' }, task: task(taskId) }, `l-${taskId}`);
const status = (taskId: string, state: 'TASK_RUNNING' | 'TASK_FINISHED' | 'TASK_KILLED') =>
  ev('TaskStatusUpdated', { service: 's', agentId: 'a1', taskId, taskName: 'hello-0-server', state, message: '' }, `s-${taskId}-${state}`);

describe('AgentTasksView', () => {
  it('wants running what was launched here and neither killed nor ended', () => {
    const v = new AgentTasksView('a1');
    [launched('t1'), launched('t2'), launched('t3'), launched('t4', 'a2'), status('t1', 'TASK_RUNNING'), status('t2', 'TASK_FINISHED')].forEach((e) => v.apply(e));
    v.apply(ev('TaskKillRequested', { service: 's', agentId: 'a1', taskId: 't3', taskName: 'hello-0-server', reason: 'restart' }, 'k'));
    expect(v.desired().map((t) => t.task.taskId)).toEqual(['t1']);
    expect(v.get('t4')).toBeUndefined();
  });

  it('puts a status in the chain of the launch, and the end of a task asked to die in the chain of the kill (docs/architecture.md)', () => {
    const v = new AgentTasksView('a1');
    v.apply(launched('t1'));
    expect(v.causeOf('t1', 'TASK_RUNNING')).toEqual({ eventId: 'l-t1', correlationId: 'c' });
    const kill = (id: string, correlationId: string) => ev('TaskKillRequested', { service: 's', agentId: 'a1', taskId: 't1', taskName: 'hello-0-server', reason: 'pod restart' }, id, correlationId);
    v.apply(kill('k1', 'restart-command'));
    v.apply(kill('k2', 'another'));
    expect(v.causeOf('t1', 'TASK_KILLED')).toEqual({ eventId: 'k1', correlationId: 'restart-command' });
    expect(v.causeOf('t1', 'TASK_RUNNING')).toEqual({ eventId: 'l-t1', correlationId: 'c' });
    expect(v.causeOf('t9', 'TASK_KILLED')).toBeUndefined();
  });

  it('states TASK_RUNNING again for a re-adopted task the log still shows starting, never backwards', () => {
    const v = new AgentTasksView('a1');
    const starting = (taskId: string) => ev('TaskStatusUpdated', { service: 's', agentId: 'a1', taskId, taskName: 'hello-0-server', state: 'TASK_STARTING', message: '' }, `st-${taskId}`);
    [launched('t1'), starting('t1'), launched('t2'), status('t2', 'TASK_RUNNING'), launched('t3'), launched('t4'), starting('t4')].forEach((e) => v.apply(e));
    v.apply(ev('TaskKillRequested', { service: 's', agentId: 'a1', taskId: 't4', taskName: 'hello-0-server', reason: 'restart' }, 'k4'));
    const running = [
      { taskId: 't1', state: 'TASK_RUNNING' as const }, // the log stopped at TASK_STARTING: said again
      { taskId: 't2', state: 'TASK_RUNNING' as const }, // the log has it: nothing to say
      { taskId: 't3', state: 'TASK_RUNNING' as const }, // the log has no status yet: said
      { taskId: 't4', state: 'TASK_RUNNING' as const }, // asked to die: the kill decides
      { taskId: 't5', state: 'TASK_RUNNING' as const }, // unknown to the log
    ];
    expect(v.unreportedRunning(running).map((t) => t.task.taskId)).toEqual(['t1', 't3']);
    // A record older than the log (STARTING on disk, RUNNING appended) is never stated backwards.
    expect(v.unreportedRunning([{ taskId: 't2', state: 'TASK_STARTING' }])).toEqual([]);
  });

  it('stays bounded: past its limit it forgets the oldest tasks that are over, never one that should run', () => {
    const v = new AgentTasksView('a1', 10);
    v.apply(launched('keep'));
    for (let i = 0; i < 100; i++) {
      v.apply(launched(`t${i}`));
      v.apply(status(`t${i}`, i % 2 === 0 ? 'TASK_FINISHED' : 'TASK_KILLED'));
    }
    expect(v.size).toBeLessThanOrEqual(11);
    expect(v.desired().map((t) => t.task.taskId)).toEqual(['keep']);
    expect(v.get('t99')).toBeDefined();
    expect(v.get('t0')).toBeUndefined();
  });
});
