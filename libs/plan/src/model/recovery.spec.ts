import { coordinatorCandidates } from './coordinator';
import { planStatus } from './plan-status';
import { newRecoveryPlan, nextRecoveryPlan, recoveryRequirements, tasksGoneByOperator, type RecoveryTaskView } from './recovery';
import { stepAfterEvaluation } from './step-lifecycle';
import { deployStep, idGenerator, phaseOf, planOf } from './testing';
import { taskInstanceName, type PlanModel, type Requirement } from '@marshal/contracts';

const POD = 'test-task-type';

/** A stored task of pod `test-task-type`, launched before and running unless told otherwise. */
function stored(taskSpecName: string, extra: Partial<RecoveryTaskView> = {}): RecoveryTaskView {
  const podIndex = extra.podIndex ?? 0;
  return {
    taskName: taskInstanceName(POD, podIndex, taskSpecName),
    podType: POD,
    podIndex,
    taskSpecName,
    goal: 'RUNNING',
    essential: true,
    lastState: 'TASK_RUNNING',
    permanentlyFailed: false,
    delayActive: false,
    ...extra,
  };
}

/** A deploy plan launching the given tasks of instances 0 and 1 (what makes tasks recoverable). */
function deployPlan(tasks: string[] = ['test-task-name']): PlanModel {
  return planOf('deploy', [
    phaseOf(
      POD,
      [0, 1].map((i) => ({ ...deployStep(`d${i}`, 'COMPLETE', { podIndex: i, tasks }), requirement: { podType: POD, podIndex: i, tasks, recoveryType: 'NONE' as const } })),
    ),
  ]);
}

/** One recovery pass (reference §3.4): requirements, then the next recovery plan. */
function pass(recovery: PlanModel, tasks: RecoveryTaskView[], opts: { dirty?: Requirement[]; plans?: PlanModel[]; newId?: () => string } = {}): PlanModel {
  const requirements = recoveryRequirements({ tasks, dirty: opts.dirty ?? [], recoveryPlan: recovery, plans: opts.plans ?? [deployPlan()] });
  return nextRecoveryPlan(recovery, requirements, opts.newId ?? idGenerator('r'));
}

const summary = (plan: PlanModel) => plan.phases.map((p) => `${p.name} ${p.steps.map((s) => `${s.name}/${s.status}/${s.requirement?.recoveryType}`).join(',')}`);

describe('recovery plan (reference §3.4, §9.6)', () => {
  it('starts empty and COMPLETE, with a parallel strategy', () => {
    const plan = newRecoveryPlan();
    expect(plan).toMatchObject({ name: 'recovery', phases: [], strategy: { type: 'parallel' } });
    expect(planStatus(plan)).toBe('COMPLETE');
  });

  it('a TASK_FAILED task → one phase with one step named test-task-type-0:[test-task-name], TRANSIENT', () => {
    const plan = pass(newRecoveryPlan(), [stored('test-task-name', { lastState: 'TASK_FAILED' })]);
    expect(summary(plan)).toEqual(['test-task-type-0:[test-task-name] test-task-type-0:[test-task-name]/PENDING/TRANSIENT']);
    expect(plan.phases[0].strategy).toEqual({ type: 'parallel', interrupted: false });
    expect(plan.phases[0].steps[0].kind).toBe('recovery');
  });

  it('with no fitting offer the step still exists (PREPARED) and is not created again', () => {
    const failed = [stored('test-task-name', { lastState: 'TASK_FAILED' })];
    const plan = pass(newRecoveryPlan(), failed);
    const evaluated = { ...plan, phases: plan.phases.map((p) => ({ ...p, steps: p.steps.map((s) => stepAfterEvaluation(s, [])) })) };
    const again = pass(evaluated, failed);
    expect(summary(again)).toEqual(['test-task-type-0:[test-task-name] test-task-type-0:[test-task-name]/PREPARED/TRANSIENT']);
  });

  it('a task labelled permanently failed → PERMANENT', () => {
    const plan = pass(newRecoveryPlan(), [stored('test-task-name', { lastState: 'TASK_FAILED', permanentlyFailed: true })]);
    expect(summary(plan)).toEqual(['test-task-type-0:[test-task-name] test-task-type-0:[test-task-name]/PENDING/PERMANENT']);
  });

  it('TASK_RUNNING → empty; TASK_FAILED → one pending step; a second TASK_FAILED → still one step', () => {
    let plan = pass(newRecoveryPlan(), [stored('test-task-name')]);
    expect(plan.phases).toEqual([]);
    plan = pass(plan, [stored('test-task-name', { lastState: 'TASK_FAILED' })]);
    plan = pass(plan, [stored('test-task-name', { lastState: 'TASK_FAILED' })]);
    expect(summary(plan)).toEqual(['test-task-type-0:[test-task-name] test-task-type-0:[test-task-name]/PENDING/TRANSIENT']);
  });

  it('fail → pending step; TASK_RUNNING arrives → the step remains pending; fail again → still one pending step', () => {
    let plan = pass(newRecoveryPlan(), [stored('test-task-name', { lastState: 'TASK_FAILED' })]);
    plan = pass(plan, [stored('test-task-name', { lastState: 'TASK_RUNNING' })]);
    expect(summary(plan)).toEqual(['test-task-type-0:[test-task-name] test-task-type-0:[test-task-name]/PENDING/TRANSIENT']);
    plan = pass(plan, [stored('test-task-name', { lastState: 'TASK_FAILED' })]);
    expect(plan.phases).toHaveLength(1);
  });

  it('a recovery step is still a candidate when the deploy plan returns an unrelated step', () => {
    const deploy = planOf('deploy', [phaseOf('other', [deployStep('different-name', 'PENDING', { podIndex: 7 })])]);
    const tasks = [stored('test-task-name', { lastState: 'TASK_FAILED' })];
    const { candidates } = coordinatorCandidates([deploy, newRecoveryPlan()], {
      regenerate: (plan, dirty) =>
        plan.name === 'recovery' ? nextRecoveryPlan(plan, recoveryRequirements({ tasks, dirty, recoveryPlan: plan, plans: [deployPlan(), deploy] }), idGenerator('r')) : plan,
    });
    expect(candidates.map((c) => c.step.name)).toEqual(['pod-7:[task]', 'test-task-type-0:[test-task-name]']);
  });

  it('a pod another plan is working on is not recovered (deploy wins)', () => {
    const failed = [stored('test-task-name', { lastState: 'TASK_FAILED' })];
    const dirty: Requirement[] = [{ podType: POD, podIndex: 0, tasks: ['test-task-name'], recoveryType: 'NONE' }];
    expect(pass(newRecoveryPlan(), failed, { dirty }).phases).toEqual([]);
  });

  it('an essential failure relaunches every launched task of the pod; a non-essential one only itself', () => {
    const plans = [deployPlan(['a', 'b'])];
    const essential = pass(newRecoveryPlan(), [stored('a', { lastState: 'TASK_FAILED' }), stored('b')], { plans });
    expect(summary(essential)).toEqual(['test-task-type-0:[a, b] test-task-type-0:[a, b]/PENDING/TRANSIENT']);
    const nonEssential = pass(newRecoveryPlan(), [stored('a', { lastState: 'TASK_FAILED', essential: false }), stored('b')], { plans });
    expect(summary(nonEssential)).toEqual(['test-task-type-0:[a] test-task-type-0:[a]/PENDING/TRANSIENT']);
  });

  it('back-off: an essential pod waits while any task has a delay; non-essential tasks in their delay are left out', () => {
    const plans = [deployPlan(['a', 'b'])];
    const waiting = pass(newRecoveryPlan(), [stored('a', { lastState: 'TASK_FAILED' }), stored('b', { delayActive: true })], { plans });
    expect(waiting.phases).toEqual([]);
    const partial = pass(
      newRecoveryPlan(),
      [stored('a', { lastState: 'TASK_FAILED', essential: false, delayActive: true }), stored('b', { lastState: 'TASK_FAILED', essential: false })],
      { plans },
    );
    expect(summary(partial)).toEqual(['test-task-type-0:[b] test-task-type-0:[b]/PENDING/TRANSIENT']);
  });

  it('tasks never launched, goal ONCE/FINISH, or in no plan step are not recovered', () => {
    const plans = [deployPlan(['a', 'b'])];
    expect(pass(newRecoveryPlan(), [stored('a', { lastState: undefined, permanentlyFailed: true })], { plans }).phases).toEqual([]);
    expect(pass(newRecoveryPlan(), [stored('a', { lastState: 'TASK_FINISHED', goal: 'ONCE' })], { plans }).phases).toEqual([]);
    expect(pass(newRecoveryPlan(), [stored('c', { lastState: 'TASK_FAILED' })], { plans }).phases).toEqual([]);
    const essentialWithUnlaunched = pass(newRecoveryPlan(), [stored('a', { lastState: 'TASK_FAILED' }), stored('b', { lastState: undefined })], { plans });
    expect(summary(essentialWithUnlaunched)).toEqual(['test-task-type-0:[a] test-task-type-0:[a]/PENDING/TRANSIENT']);
  });

  it('lost and unreachable goal-RUNNING tasks need recovery; a mix of permanent and transient failures is skipped', () => {
    expect(pass(newRecoveryPlan(), [stored('test-task-name', { lastState: 'TASK_LOST' })]).phases).toHaveLength(1);
    expect(pass(newRecoveryPlan(), [stored('test-task-name', { lastState: 'TASK_UNREACHABLE' })]).phases).toHaveLength(1);
    const mixed = [stored('a', { lastState: 'TASK_FAILED', permanentlyFailed: true }), stored('b', { lastState: 'TASK_FAILED' })];
    expect(pass(newRecoveryPlan(), mixed, { plans: [deployPlan(['a', 'b'])] }).phases).toEqual([]);
  });

  it('pods are taken in pod instance name order', () => {
    const tasks = [stored('test-task-name', { podIndex: 1, lastState: 'TASK_FAILED' }), stored('test-task-name', { podIndex: 0, lastState: 'TASK_FAILED' })];
    expect(pass(newRecoveryPlan(), tasks).phases.map((p) => p.name)).toEqual(['test-task-type-0:[test-task-name]', 'test-task-type-1:[test-task-name]']);
  });

  it('TRANSIENT escalated to PERMANENT (pod replace) replaces the phase: still exactly one', () => {
    let plan = pass(newRecoveryPlan(), [stored('test-task-name', { lastState: 'TASK_FAILED' })]);
    plan = pass(plan, [stored('test-task-name', { lastState: 'TASK_KILLED', permanentlyFailed: true })], { newId: idGenerator('p') });
    expect(summary(plan)).toEqual(['test-task-type-0:[test-task-name] test-task-type-0:[test-task-name]/PENDING/PERMANENT']);
    expect(plan.phases[0].id).toBe('p-1');
  });

  it('TASK_GONE_BY_OPERATOR counts as permanently failed, and is reported for labelling', () => {
    const tasks = [stored('test-task-name', { lastState: 'TASK_GONE_BY_OPERATOR' })];
    expect(tasksGoneByOperator(tasks)).toEqual(['test-task-type-0-test-task-name']);
    expect(summary(pass(newRecoveryPlan(), tasks))).toEqual(['test-task-type-0:[test-task-name] test-task-type-0:[test-task-name]/PENDING/PERMANENT']);
  });

  it('completed phases stay until the same pod fails again', () => {
    const failed = (podIndex: number) => stored('test-task-name', { podIndex, lastState: 'TASK_FAILED' });
    let plan = pass(newRecoveryPlan(), [failed(0)]);
    plan = { ...plan, phases: plan.phases.map((p) => ({ ...p, steps: p.steps.map((s) => ({ ...s, status: 'COMPLETE' as const })) })) };
    plan = pass(plan, [failed(1)]);
    expect(summary(plan)).toEqual([
      'test-task-type-0:[test-task-name] test-task-type-0:[test-task-name]/COMPLETE/TRANSIENT',
      'test-task-type-1:[test-task-name] test-task-type-1:[test-task-name]/PENDING/TRANSIENT',
    ]);
    plan = pass(plan, [failed(0)]);
    expect(summary(plan).map((s) => s.split(' ')[1])).toEqual([
      'test-task-type-1:[test-task-name]/PENDING/TRANSIENT',
      'test-task-type-0:[test-task-name]/PENDING/TRANSIENT',
    ]);
  });
});
