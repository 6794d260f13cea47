import { TASK_STATES, isKillable, isLaunchOver, isProcessGone, isTaskDone, type TaskState } from './status';

const which = (p: (s: TaskState) => boolean) => TASK_STATES.filter(p);

describe('task predicates (reference §2.6, §3.4)', () => {
  it('process gone: the terminal states', () => {
    expect(which(isProcessGone)).toEqual(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_DROPPED', 'TASK_GONE']);
  });
  it('task done: process gone, lost or unreachable', () => {
    expect(which(isTaskDone)).toEqual([
      'TASK_FINISHED',
      'TASK_FAILED',
      'TASK_KILLED',
      'TASK_ERROR',
      'TASK_LOST',
      'TASK_DROPPED',
      'TASK_UNREACHABLE',
      'TASK_GONE',
    ]);
  });
  it('launch over: process gone or lost, not unreachable', () => {
    expect(which(isLaunchOver)).toEqual(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_GONE']);
  });
  it('killable: no status yet, or a process that may still run', () => {
    expect(isKillable(undefined)).toBe(true);
    expect(which(isKillable)).toEqual([
      'TASK_STAGING',
      'TASK_STARTING',
      'TASK_RUNNING',
      'TASK_KILLING',
      'TASK_LOST',
      'TASK_UNREACHABLE',
      'TASK_GONE_BY_OPERATOR',
      'TASK_UNKNOWN',
    ]);
  });
});
