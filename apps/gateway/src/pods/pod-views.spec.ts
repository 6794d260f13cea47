import { minimalTaskInfo, type TaskInfo } from '@marshal/contracts';
import type { PodTaskView } from '@marshal/persistence';
import { podInfo, podNames, podStatus, servicePods, taskDisplayStatus } from './pod-views';
import { validateBody } from '../http/request-body';
import { TaskList } from './pods.controller';

function taskInfo(name: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  const [podType, podIndex, taskSpecName] = [name.split('-')[0], Number(name.split('-')[1]), name.split('-')[2]];
  return minimalTaskInfo({
    taskId: `svc__${name}__id`,
    taskName: name,
    taskSpecName,
    service: 'svc',
    podType,
    podIndex,
    configId: 'cfg-1',
    cmd: `./${taskSpecName}`,
    env: { TASK_NAME: name, FRAMEWORK_NAME: 'svc' },
    labels: { target_configuration: 'cfg-1', task_type: podType, index: String(podIndex), reservation_id: `res-${podType}-${podIndex}` },
    ...extra,
  });
}

function task(name: string, state: string | null, override: PodTaskView['override'] = null): PodTaskView {
  const info = taskInfo(name);
  return { taskName: name, taskId: info.taskId, podType: info.podType, podIndex: info.podIndex, taskSpecName: info.taskSpecName, taskInfo: info, agentId: 'agent-1', updatedAt: '2026-11-22T10:00:00.000Z', state, message: '', status: null, override };
}

/** The fixture of PodQueriesTest (reference §9.10): pod `test`, instances 0–2. */
const TASKS = [
  task('test-0-a', 'TASK_RUNNING'),
  task('test-0-b', 'TASK_RUNNING', { target: 'NONE', progress: 'IN_PROGRESS' }),
  task('test-0-c', 'TASK_RUNNING', { target: 'PAUSED', progress: 'PENDING' }),
  task('test-0-d', null),
  task('test-1-a', 'TASK_FINISHED'),
  task('test-1-b', 'TASK_RUNNING', { target: 'PAUSED', progress: 'IN_PROGRESS' }),
  task('test-2-a', 'TASK_FINISHED'),
];

describe('pod API shapes (reference §6.3, §9.10)', () => {
  it('9.10 names: sorted pod instance names', () => {
    expect(podNames([...TASKS].reverse())).toEqual(['test-0', 'test-1', 'test-2']);
  });

  it('9.10 status tree: RUNNING, STARTING while resuming, PAUSING while pausing, no status key before any status', () => {
    const tree = servicePods('svc', TASKS);
    expect(tree.service).toBe('svc');
    expect(tree.pods?.map((p) => p.name)).toEqual(['test']);
    expect(tree.pods?.[0].instances[0]).toEqual({
      name: 'test-0',
      tasks: [
        { id: 'svc__test-0-a__id', name: 'test-0-a', status: 'RUNNING' },
        { id: 'svc__test-0-b__id', name: 'test-0-b', status: 'STARTING' },
        { id: 'svc__test-0-c__id', name: 'test-0-c', status: 'PAUSING' },
        { id: 'svc__test-0-d__id', name: 'test-0-d' },
      ],
    });
    expect(tree.pods?.[0].instances.map((i) => i.tasks.map((t) => t.status))).toEqual([
      ['RUNNING', 'STARTING', 'PAUSING', undefined],
      ['FINISHED', 'PAUSING'],
      ['FINISHED'],
    ]);
  });

  it('9.10 a service without tasks has no pods key', () => {
    expect(servicePods('svc', [])).toEqual({ service: 'svc' });
  });

  it('9.10 single pod test-1: a FINISHED, b PAUSING; unknown pod → undefined (404)', () => {
    expect(podStatus(TASKS, 'test-1')?.tasks.map((t) => `${t.name} ${t.status}`)).toEqual(['test-1-a FINISHED', 'test-1-b PAUSING']);
    expect(podStatus(TASKS, 'test-9')).toBeUndefined();
  });

  it.each([
    ['PAUSED complete', 'PAUSED', { target: 'PAUSED', progress: 'COMPLETE' }],
    ['DECOMMISSIONED pending', 'DECOMMISSIONING', { target: 'DECOMMISSIONED', progress: 'PENDING' }],
    ['DECOMMISSIONED complete', 'DECOMMISSIONED', { target: 'DECOMMISSIONED', progress: 'COMPLETE' }],
    ['NONE complete (no override)', 'KILLED', { target: 'NONE', progress: 'COMPLETE' }],
  ])('override %s shows %s', (_n, shown, override) => {
    expect(taskDisplayStatus({ state: 'TASK_KILLED', override })).toBe(shown);
  });

  it('9.10 info: one entry per task with its status, none for a task that never reported', () => {
    const info = podInfo(TASKS, 'test-0');
    expect(info?.map((i) => ('status' in i ? (i.status as { state: string }).state : null))).toEqual(['TASK_RUNNING', 'TASK_RUNNING', 'TASK_RUNNING', null]);
    expect(podInfo(TASKS, 'nope')).toBeUndefined();
  });

  it('6.3 info in the original\'s shape: Mesos TaskInfo JSON with the TaskStatus beside it', () => {
    const info = taskInfo('hello-0-server', {
      cmd: 'echo hello && sleep 1000',
      resources: { cpus: 0.5, memory: 256, disk: 0, gpus: 0 },
      ports: [
        { name: 'http', port: 10001, advertise: true },
        { name: 'admin', port: 10002, advertise: false },
        { name: 'other', port: 10005, advertise: false },
      ],
      volumes: [{ path: 'hello-container-path', type: 'ROOT', size: 50, persistenceId: 'hello-0-vol-7', podLevel: false }],
      uris: ['https://example.com/a.tgz'],
      killGracePeriod: 5,
      healthCheck: { cmd: 'check', interval: 10, gracePeriod: 30, maxConsecutiveFailures: 3, delay: 0, timeout: 20 },
      readinessCheck: { cmd: 'ready', interval: 5, timeout: 10, delay: 1 },
    });
    const row: PodTaskView = {
      ...task('hello-0-server', 'TASK_RUNNING'),
      taskInfo: info,
      agentId: 'agent-7',
      message: 'running',
      status: { readiness: { passed: true, exitCode: 0 }, healthy: true, exitCode: null },
    };
    const [entry] = podInfo([row], 'hello-0') as { info: Record<string, unknown>; status: Record<string, unknown> }[];
    const reservation = { labels: { labels: [{ key: 'resource_id', value: 'res-hello-0' }] } };
    expect(entry.info).toEqual({
      name: 'hello-0-server',
      taskId: { value: 'svc__hello-0-server__id' },
      slaveId: { value: 'agent-7' },
      resources: [
        { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, reservation },
        { name: 'mem', type: 'SCALAR', scalar: { value: 256 }, reservation },
        { name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 10001, end: 10002 }, { begin: 10005, end: 10005 }] }, reservation },
        { name: 'disk', type: 'SCALAR', scalar: { value: 50 }, reservation, disk: { persistence: { id: 'hello-0-vol-7' }, volume: { containerPath: 'hello-container-path', mode: 'RW' } } },
      ],
      command: {
        value: 'echo hello && sleep 1000',
        shell: true,
        environment: { variables: [{ name: 'FRAMEWORK_NAME', value: 'svc' }, { name: 'TASK_NAME', value: 'hello-0-server' }] },
        uris: [{ value: 'https://example.com/a.tgz', extract: true }],
      },
      labels: {
        labels: [
          { key: 'goal_state', value: 'RUNNING' },
          { key: 'index', value: '0' },
          { key: 'reservation_id', value: 'res-hello-0' },
          { key: 'target_configuration', value: 'cfg-1' },
          { key: 'task_type', value: 'hello' },
        ],
      },
      executor: { executorId: { value: 'hello-0__res-hello-0' }, name: 'hello-0', command: { value: 'marshal-agent' } },
      killPolicy: { gracePeriod: { nanoseconds: 5e9 } },
      healthCheck: { type: 'COMMAND', command: { value: 'check' }, delaySeconds: 0, intervalSeconds: 10, timeoutSeconds: 20, consecutiveFailures: 3, gracePeriodSeconds: 30 },
      check: { type: 'COMMAND', command: { command: { value: 'ready' } }, delaySeconds: 1, intervalSeconds: 5, timeoutSeconds: 10 },
    });
    expect(entry.status).toEqual({
      taskId: { value: 'svc__hello-0-server__id' },
      state: 'TASK_RUNNING',
      message: 'running',
      slaveId: { value: 'agent-7' },
      executorId: { value: 'hello-0__res-hello-0' },
      source: 'SOURCE_EXECUTOR',
      timestamp: Date.parse('2026-11-22T10:00:00.000Z') / 1000,
      healthy: true,
      checkStatus: { type: 'COMMAND', command: { exitCode: 0 } },
    });
  });

  it('info view=marshal: Marshal\'s TaskInfo and status', () => {
    const [a] = podInfo(TASKS, 'test-0', 'marshal') as { info: TaskInfo; status: { taskId: string; state: string } }[];
    expect(a.info).toEqual(taskInfo('test-0-a'));
    expect(a.status).toEqual({ taskId: 'svc__test-0-a__id', state: 'TASK_RUNNING', message: '' });
  });

  it('pause/resume bodies: an array of task names; anything else is rejected naming where', () => {
    const check = (body: unknown) => validateBody(TaskList, body, 'POST /v1/pod/:pod/pause');
    expect(check(['a', 'test-0-c'])).toEqual(['a', 'test-0-c']);
    expect(() => check({ a: 1 })).toThrow('invalid body of POST /v1/pod/:pod/pause: / must be array');
    expect(() => check(['a', 1])).toThrow('/1 must be string');
    expect(() => check(Array.from({ length: 101 }, (_, i) => `t${i}`))).toThrow('/ must NOT have more than 100 items');
  });
});
