import type { PodTaskView } from '@marshal/persistence';
import { podInfo, podNames, podStatus, servicePods, taskDisplayStatus } from './pod-views';
import { validateBody } from '../http/request-body';
import { TaskList } from './pods.controller';

function task(name: string, state: string | null, override: PodTaskView['override'] = null): PodTaskView {
  const [podType, podIndex] = [name.split('-')[0], Number(name.split('-')[1])];
  return { taskName: name, taskId: `svc__${name}__id`, podType, podIndex, taskSpecName: name.split('-')[2], taskInfo: { taskName: name }, state, message: '', status: null, override };
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

  it('pause/resume bodies: an array of task names; anything else is rejected naming where', () => {
    const check = (body: unknown) => validateBody(TaskList, body, 'POST /v1/pod/:pod/pause');
    expect(check(['a', 'test-0-c'])).toEqual(['a', 'test-0-c']);
    expect(() => check({ a: 1 })).toThrow('invalid body of POST /v1/pod/:pod/pause: / must be array');
    expect(() => check(['a', 1])).toThrow('/1 must be string');
    expect(() => check(Array.from({ length: 101 }, (_, i) => `t${i}`))).toThrow('/ must NOT have more than 100 items');
  });
});
