import type { DisplayStatus, Status, TaskState } from '@marshal/contracts';
import {
  goalReached,
  initialStepStatus,
  readinessCheckPassed,
  stepAfterEvaluation,
  stepAfterStart,
  stepAfterTaskStatus,
  stepAfterUnreserve,
  type TaskStatusInput,
} from './step-lifecycle';
import { displayStatus, stepStatus, stepStatusFromTasks } from './step-status';
import { deployStep } from './testing';
import type { StepModel } from '@marshal/contracts';

describe('step status from its tasks (reference §1.6.2 point 5, §9.4)', () => {
  it.each([
    ['({}, false, false) → PENDING', [], false, false, 'PENDING'],
    ['({}, false, true) → PREPARED', [], false, true, 'PREPARED'],
    ['({DELAYED}, false, true) → DELAYED', ['DELAYED'], false, true, 'DELAYED'],
    ['({}, true, false) → ERROR', [], true, false, 'ERROR'],
    ['({}, true, true) → ERROR', [], true, true, 'ERROR'],
    ['({PREPARED, ERROR, COMPLETE}, false, false) → ERROR', ['PREPARED', 'ERROR', 'COMPLETE'], false, false, 'ERROR'],
    ['({DELAYED, PREPARED, COMPLETE}, false, true) → DELAYED', ['DELAYED', 'PREPARED', 'COMPLETE'], false, true, 'DELAYED'],
    ['({PREPARED, PENDING}, false, false) → PENDING', ['PREPARED', 'PENDING'], false, false, 'PENDING'],
    ['({PREPARED, STARTING}, false, false) → PREPARED', ['PREPARED', 'STARTING'], false, false, 'PREPARED'],
    ['({PENDING, STARTING}, false, false) → PENDING', ['PENDING', 'STARTING'], false, false, 'PENDING'],
    ['({STARTING, COMPLETE}, false, false) → STARTING', ['STARTING', 'COMPLETE'], false, false, 'STARTING'],
    ['({COMPLETE}, false, false) → COMPLETE', ['COMPLETE'], false, false, 'COMPLETE'],
    ['({COMPLETE, IN_PROGRESS}, false, false) → no value (unchanged)', ['COMPLETE', 'IN_PROGRESS'], false, false, undefined],
  ] as [string, Status[], boolean, boolean, Status | undefined][])('%s', (_name, tasks, hasErrors, prepared, expected) => {
    expect(stepStatusFromTasks(tasks, hasErrors, prepared)).toBe(expected);
  });
});

describe('display status with goal overrides (reference §1.6.2, §9.4)', () => {
  it.each([
    ['no task names → IN_PROGRESS shows IN_PROGRESS', 'IN_PROGRESS', false, 'IN_PROGRESS'],
    ['no task names → COMPLETE shows COMPLETE', 'COMPLETE', false, 'COMPLETE'],
    ['no task names → DELAYED shows DELAYED', 'DELAYED', false, 'DELAYED'],
    ['IN_PROGRESS with every task paused → PAUSING', 'IN_PROGRESS', true, 'PAUSING'],
    ['COMPLETE with every task paused → PAUSED', 'COMPLETE', true, 'PAUSED'],
    ['STARTED with every task paused → PAUSING (isRunning is tested first)', 'STARTED', true, 'PAUSING'],
    ['PENDING with every task paused → PENDING', 'PENDING', true, 'PENDING'],
    ['ERROR keeps showing ERROR', 'ERROR', true, 'ERROR'],
  ] as [string, Status, boolean, DisplayStatus][])('%s', (_name, status, allTasksPaused, expected) => {
    expect(displayStatus(status, { allTasksPaused })).toBe(expected);
  });
});

describe('reported step status (reference §1.6.2 point 6)', () => {
  it('an interrupted PENDING or PREPARED step reports WAITING; other statuses are unchanged', () => {
    expect(stepStatus(deployStep('s0', 'PENDING', { interrupted: true }))).toBe('WAITING');
    expect(stepStatus(deployStep('s0', 'PREPARED', { interrupted: true }))).toBe('WAITING');
    expect(stepStatus(deployStep('s0', 'STARTING', { interrupted: true }))).toBe('STARTING');
  });

  it('a DELAYED step reports DELAYED while one of its tasks has an active delay, else PENDING', () => {
    const step = deployStep('s0', 'DELAYED', { podIndex: 0, tasks: ['a', 'b'] });
    expect(stepStatus(step, { delayActive: (t) => t === 'pod-0-b' })).toBe('DELAYED');
    expect(stepStatus(step, { delayActive: (t) => t === 'pod-1-b' })).toBe('PENDING');
    expect(stepStatus(step)).toBe('PENDING');
  });
});

/** A fresh single-task step (pod-0:[task]) launched once, as task id t-1. */
function launchedStep(tasks: string[] = ['task']): StepModel {
  return stepAfterEvaluation(
    deployStep('s0', 'PENDING', { podIndex: 0, tasks }),
    tasks.map((t, i) => ({ taskId: `t-${i + 1}`, taskName: `pod-0-${t}` })),
  );
}

const status = (taskId: string, state: TaskState, extra: Partial<TaskStatusInput> = {}): TaskStatusInput => ({
  taskId,
  state,
  readinessPassed: true,
  goal: 'RUNNING',
  ...extra,
});

describe('deployment step transitions (reference §1.6.2, §9.4; back-off disabled)', () => {
  it('fresh step + evaluation with nothing launched → PREPARED', () => {
    expect(stepAfterEvaluation(deployStep('s0'), []).status).toBe('PREPARED');
  });

  it('launched → STARTING; TASK_RUNNING without readiness check → COMPLETE; a later TASK_FAILED is ignored', () => {
    const step = launchedStep();
    expect(step.status).toBe('STARTING');
    const running = stepAfterTaskStatus(step, status('t-1', 'TASK_RUNNING'));
    expect(running.step.status).toBe('COMPLETE');
    expect(running.backoff).toBe('clear');
    const failed = stepAfterTaskStatus(running.step, status('t-1', 'TASK_FAILED'));
    expect(failed.step.status).toBe('COMPLETE');
    expect(failed.backoff).toBeUndefined();
  });

  it('a step with an error stays ERROR across TASK_RUNNING and TASK_FAILED', () => {
    const step = { ...launchedStep(), errors: ['broken'], status: 'ERROR' as const };
    const running = stepAfterTaskStatus(step, status('t-1', 'TASK_RUNNING')).step;
    expect(running.status).toBe('ERROR');
    expect(stepAfterTaskStatus(running, status('t-1', 'TASK_FAILED')).step.status).toBe('ERROR');
  });

  it.each(['TASK_ERROR', 'TASK_FAILED', 'TASK_KILLED', 'TASK_KILLING', 'TASK_LOST'] as TaskState[])(
    'STARTING + %s → PENDING',
    (state) => {
      expect(stepStatus(stepAfterTaskStatus(launchedStep(), status('t-1', state)).step)).toBe('PENDING');
    },
  );

  it('two-task step, both STARTING: one TASK_RUNNING → still STARTING; one TASK_FAILED → PENDING', () => {
    const step = launchedStep(['a', 'b']);
    const one = stepAfterTaskStatus(step, status('t-1', 'TASK_RUNNING')).step;
    expect(one.status).toBe('STARTING');
    expect(stepStatus(stepAfterTaskStatus(one, status('t-2', 'TASK_FAILED')).step)).toBe('PENDING');
  });

  it('a failure asks for a back-off delay and is DELAYED while it lasts; the step counts as not prepared', () => {
    const { step, backoff } = stepAfterTaskStatus(launchedStep(), status('t-1', 'TASK_FAILED'));
    expect(backoff).toBe('failed');
    expect(step).toMatchObject({ status: 'DELAYED', prepared: false });
    expect(stepStatus(step, { delayActive: () => true })).toBe('DELAYED');
  });

  it('a lost task makes the step PENDING and prepared; TASK_GONE_BY_OPERATOR also clears the delay', () => {
    expect(stepAfterTaskStatus(launchedStep(), status('t-1', 'TASK_LOST')).step).toMatchObject({ status: 'PENDING', prepared: true });
    const gone = stepAfterTaskStatus(launchedStep(), status('t-1', 'TASK_GONE_BY_OPERATOR'));
    expect(gone.step.status).toBe('PENDING');
    expect(gone.backoff).toBe('clear');
  });

  it('TASK_RUNNING with a failed readiness check → STARTED; with a passed one → COMPLETE', () => {
    expect(stepAfterTaskStatus(launchedStep(), status('t-1', 'TASK_RUNNING', { readinessPassed: false })).step.status).toBe('STARTED');
    expect(stepAfterTaskStatus(launchedStep(), status('t-1', 'TASK_RUNNING', { readinessPassed: true })).step.status).toBe('COMPLETE');
  });

  it.each([
    ['goal ONCE + TASK_FINISHED → COMPLETE', 'ONCE', 'TASK_FINISHED', 'COMPLETE'],
    ['goal FINISH + TASK_FINISHED → COMPLETE', 'FINISH', 'TASK_FINISHED', 'COMPLETE'],
    ['goal RUNNING + TASK_FINISHED → PENDING (relaunch)', 'RUNNING', 'TASK_FINISHED', 'PENDING'],
    ['goal ONCE + TASK_RUNNING → STARTED', 'ONCE', 'TASK_RUNNING', 'STARTED'],
    ['TASK_STAGING → STARTING', 'RUNNING', 'TASK_STAGING', 'STARTING'],
    ['TASK_UNKNOWN → unchanged', 'RUNNING', 'TASK_UNKNOWN', 'STARTING'],
  ] as const)('%s', (_name, goal, state, expected) => {
    expect(stepAfterTaskStatus(launchedStep(), status('t-1', state, { goal })).step.status).toBe(expected);
  });

  it('a status for a task id the step did not launch is ignored', () => {
    const step = launchedStep();
    expect(stepAfterTaskStatus(step, status('other', 'TASK_RUNNING'))).toEqual({ step });
  });

  it('reports the goal-override progress the new task status means', () => {
    expect(stepAfterTaskStatus(launchedStep(), status('t-1', 'TASK_RUNNING', { readinessPassed: false })).overrideProgress).toBe('COMPLETE');
    expect(stepAfterTaskStatus(launchedStep(), status('t-1', 'TASK_KILLED')).overrideProgress).toBe('PENDING');
    expect(stepAfterTaskStatus(launchedStep(), status('t-1', 'TASK_STARTING')).overrideProgress).toBe('IN_PROGRESS');
  });
});

describe('readiness and goals (reference §1.6.2, §3.8.1, §9.5)', () => {
  it('no check and no result passes; a result decides; a check without result fails', () => {
    expect(readinessCheckPassed(false)).toBe(true);
    expect(readinessCheckPassed(true, { passed: true })).toBe(true);
    expect(readinessCheckPassed(true, { passed: false })).toBe(false);
    expect(readinessCheckPassed(true)).toBe(false);
  });

  const stored = { configId: 'target', readinessPassed: true, permanentlyFailed: false };

  it.each([
    ['TASK_RUNNING on the target with readiness_check_passed=false → not reached, step PENDING', 'RUNNING', 'TASK_RUNNING', false, 'PENDING'],
    ['TASK_RUNNING on the target with readiness_check_passed=true → reached, step COMPLETE', 'RUNNING', 'TASK_RUNNING', true, 'COMPLETE'],
    ['goal ONCE, TASK_RUNNING → not reached', 'ONCE', 'TASK_RUNNING', true, 'PENDING'],
    ['goal ONCE, TASK_FINISHED → reached', 'ONCE', 'TASK_FINISHED', true, 'COMPLETE'],
    ['goal FINISH, TASK_RUNNING → not reached', 'FINISH', 'TASK_RUNNING', true, 'PENDING'],
    ['goal FINISH, TASK_FINISHED → reached', 'FINISH', 'TASK_FINISHED', true, 'COMPLETE'],
  ] as const)('%s', (_name, goal, lastState, readinessPassed, expected) => {
    expect(initialStepStatus([{ ...stored, goal, lastState, readinessPassed }], 'target')).toBe(expected);
  });

  it('goals RUNNING and FINISH need the target configuration; ONCE accepts any', () => {
    expect(goalReached({ goal: 'RUNNING', lastState: 'TASK_RUNNING', configId: 'old', readinessPassed: true }, 'target')).toBe(false);
    expect(goalReached({ goal: 'FINISH', lastState: 'TASK_FINISHED', configId: 'old', readinessPassed: true }, 'target')).toBe(false);
    expect(goalReached({ goal: 'ONCE', lastState: 'TASK_FINISHED', configId: 'old', readinessPassed: true }, 'target')).toBe(true);
  });

  it('no stored task → PENDING; a task without status → PENDING; a permanently failed task counts as reached', () => {
    expect(initialStepStatus([], 'target')).toBe('PENDING');
    expect(initialStepStatus([{ ...stored, goal: 'RUNNING' }], 'target')).toBe('PENDING');
    expect(initialStepStatus([{ ...stored, goal: 'RUNNING', lastState: 'TASK_FAILED', permanentlyFailed: true }], 'target')).toBe('COMPLETE');
  });
});

describe('steps without requirement (reference §3.5, §3.6)', () => {
  const action = (kind: StepModel['kind'], status: Status = 'PENDING', target?: string): StepModel => ({
    ...deployStep('a0', status),
    requirement: undefined,
    kind,
    ...(target === undefined ? {} : { target }),
  });

  it.each([
    ['kill → COMPLETE at start', 'kill', 'PENDING', 'COMPLETE'],
    ['erase → COMPLETE at start', 'erase', 'PENDING', 'COMPLETE'],
    ['unreserve PENDING → PREPARED at start', 'unreserve', 'PENDING', 'PREPARED'],
    ['deregister PENDING → PREPARED at start', 'deregister', 'PENDING', 'PREPARED'],
    ['deregister COMPLETE stays COMPLETE', 'deregister', 'COMPLETE', 'COMPLETE'],
    ['tls-cleanup waits for the caller', 'tls-cleanup', 'PENDING', 'PENDING'],
  ] as [string, StepModel['kind'], Status, Status][])('%s', (_name, kind, from, to) => {
    expect(stepAfterStart(action(kind, from)).status).toBe(to);
  });

  it('an unreserve step completes when its own resource is unreserved', () => {
    const step = stepAfterStart(action('unreserve', 'PENDING', 'r1'));
    expect(stepAfterUnreserve(step, ['r2']).status).toBe('PREPARED');
    expect(stepAfterUnreserve(step, ['r2', 'r1']).status).toBe('COMPLETE');
  });
});
