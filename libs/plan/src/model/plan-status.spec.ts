import { canaryStrategy, serialStrategy } from './strategy';
import { dirtyAssets, phaseStatus, planStatus, proceedPlan } from './plan-status';
import { forceCompleteStep, planAfterTaskStatus, restartStep } from './step-lifecycle';
import { stepStatus } from './step-status';
import { deployStep, parallelPhase, phaseOf, planOf } from './testing';
import type { PlanModel, StepModel } from '@marshal/contracts';

/** Two serial phases of one step each (the original's DefaultPlanManagerTest plan). */
function twoPhasePlan(step0: StepModel, step1: StepModel): PlanModel {
  return planOf('test-plan', [phaseOf('phase-0', [step0]), phaseOf('phase-1', [step1])]);
}

/** One serial phase of two steps in an interrupted plan (DefaultPlanManagerTest's dirty-asset cases). */
function interruptedPlan(step0: StepModel, step1: StepModel): PlanModel {
  return planOf('test-plan', [phaseOf('phase-1', [step0, step1])], { interrupted: true });
}

const s0 = (status: StepModel['status'] = 'PENDING', extra: Partial<StepModel> = {}) => deployStep('s0', status, extra);
const s1 = (status: StepModel['status'] = 'PENDING', extra: Partial<StepModel> = {}) => deployStep('s1', status, extra);

describe('phase and plan statuses (reference §9.1)', () => {
  it('A18 serial phase, steps [PENDING, WAITING] → phase PENDING', () => {
    const phase = phaseOf('p', [s0(), s1('PENDING', { interrupted: true })]);
    expect(phase.steps.map((s) => stepStatus(s))).toEqual(['PENDING', 'WAITING']);
    expect(phaseStatus(phase)).toBe('PENDING');
  });

  it('A19 canary(serial) phase, steps [WAITING, WAITING], never proceeded → phase WAITING', () => {
    const steps = [s0(), s1()];
    const canary = canaryStrategy(serialStrategy(steps), steps);
    const phase = phaseOf('p', canary.steps, canary.strategy);
    expect(phase.steps.map((s) => stepStatus(s))).toEqual(['WAITING', 'WAITING']);
    expect(phaseStatus(phase)).toBe('WAITING');
  });

  it('A20 plan of 2 serial phases × 1 step, all PENDING → plan PENDING; first phase PENDING', () => {
    const plan = twoPhasePlan(s0(), s1());
    expect(planStatus(plan)).toBe('PENDING');
    expect(phaseStatus(plan.phases[0])).toBe('PENDING');
  });

  it('A21 A20 with step0 PREPARED → phase 0 and plan IN_PROGRESS', () => {
    const plan = twoPhasePlan(s0('PREPARED'), s1());
    expect(phaseStatus(plan.phases[0])).toBe('IN_PROGRESS');
    expect(planStatus(plan)).toBe('IN_PROGRESS');
  });

  it('A22 A20 with step0 ERROR → plan ERROR; with step0 WAITING → plan WAITING', () => {
    expect(planStatus(twoPhasePlan(s0('ERROR'), s1()))).toBe('ERROR');
    expect(planStatus(twoPhasePlan(s0('PENDING', { interrupted: true }), s1()))).toBe('WAITING');
  });

  it('A23 step0 force-completed, step1 STARTING → plan IN_PROGRESS; both phases complete → COMPLETE', () => {
    const plan = twoPhasePlan(forceCompleteStep(s0()), s1('STARTING'));
    expect(planStatus(plan)).toBe('IN_PROGRESS');
    const done = twoPhasePlan(forceCompleteStep(s0()), forceCompleteStep(s1('STARTING')));
    expect(planStatus(done)).toBe('COMPLETE');
  });

  it('A24 plan with no phases, created interrupted → COMPLETE', () => {
    expect(planStatus(planOf('empty', [], { interrupted: true }))).toBe('COMPLETE');
  });

  it('A25 plan interrupted with steps [PREPARED, PREPARED] → WAITING; dirty = both; proceed → IN_PROGRESS', () => {
    const plan = interruptedPlan(s0('PREPARED'), s1('PREPARED'));
    expect(planStatus(plan)).toBe('WAITING');
    expect(dirtyAssets(plan)).toEqual([plan.phases[0].steps[0].requirement, plan.phases[0].steps[1].requirement]);
    expect(planStatus(proceedPlan(plan))).toBe('IN_PROGRESS');
  });

  it('A26 interrupted plan, steps [PENDING, PREPARED] → WAITING; dirty = {step2}; proceed → IN_PROGRESS', () => {
    const plan = interruptedPlan(s0('PENDING'), s1('PREPARED'));
    expect(planStatus(plan)).toBe('WAITING');
    expect(dirtyAssets(plan)).toEqual([plan.phases[0].steps[1].requirement]);
    expect(planStatus(proceedPlan(plan))).toBe('IN_PROGRESS');
  });

  it('A27 interrupted plan, steps [COMPLETE, PREPARED] → WAITING (phase not interrupted); dirty = {step2}; proceed → IN_PROGRESS', () => {
    const plan = interruptedPlan(s0('COMPLETE'), s1('PREPARED'));
    expect(plan.phases[0].strategy).toMatchObject({ interrupted: false });
    expect(planStatus(plan)).toBe('WAITING');
    expect(dirtyAssets(plan)).toEqual([plan.phases[0].steps[1].requirement]);
    expect(planStatus(proceedPlan(plan))).toBe('IN_PROGRESS');
  });

  it('A28 a task status given to the plan reaches every step that launched the task', () => {
    const launched = (id: string) => [{ taskId: id, taskName: 'pod-0-task', status: 'STARTING' as const }];
    const plan = planOf('p', [
      phaseOf('a', [s0('STARTING', { launched: launched('t-1'), prepared: true })]),
      phaseOf('b', [s1('STARTING', { launched: launched('t-2'), prepared: true })]),
    ]);
    const { plan: next } = planAfterTaskStatus(plan, { taskId: 't-1', state: 'TASK_RUNNING', readinessPassed: true, goal: 'RUNNING' });
    expect(next.phases.map((p) => p.steps[0].status)).toEqual(['COMPLETE', 'STARTING']);
  });

  it.each([
    ['A30 step COMPLETE → restart() → PENDING', 'COMPLETE'],
    ['A30 step PREPARED → restart() → PENDING', 'PREPARED'],
  ] as const)('%s', (_name, status) => {
    expect(restartStep(s0(status)).status).toBe('PENDING');
  });

  it.each([
    ['A31 step PENDING → forceComplete() → COMPLETE', 'PENDING'],
    ['A31 step PREPARED → forceComplete() → COMPLETE', 'PREPARED'],
  ] as const)('%s', (_name, status) => {
    expect(forceCompleteStep(s0(status)).status).toBe('COMPLETE');
  });
});

describe('statuses the original shows for common phases (reference §1.3 consequences)', () => {
  it('a parallel phase [STARTING, PENDING, PENDING] is PENDING; [STARTED, PENDING] PENDING; [STARTING, STARTING] STARTING', () => {
    const p = (...statuses: StepModel['status'][]) =>
      phaseStatus(parallelPhase('p', statuses.map((s, i) => deployStep(`s${i}`, s))));
    expect(p('STARTING', 'PENDING', 'PENDING')).toBe('PENDING');
    expect(p('STARTED', 'PENDING')).toBe('PENDING');
    expect(p('STARTING', 'STARTING')).toBe('STARTING');
  });

  it('an empty phase (pod count 0) is COMPLETE', () => {
    expect(phaseStatus(phaseOf('p', []))).toBe('COMPLETE');
  });

  it('a phase whose steps are all DELAYED, with their delays active, is DELAYED; once delays end it is PENDING', () => {
    const phase = parallelPhase('p', [s0('DELAYED'), s1('DELAYED')]);
    expect(phaseStatus(phase, { delayActive: () => true })).toBe('DELAYED');
    expect(phaseStatus(phase, { delayActive: () => false })).toBe('PENDING');
    expect(phaseStatus(phase)).toBe('PENDING');
  });

  it('a plan with its own errors is ERROR even when complete', () => {
    const plan = { ...twoPhasePlan(s0('COMPLETE'), s1('COMPLETE')), errors: ["Field: 'x'; Value: 'y'; Message: 'z'; Fatal: false"] };
    expect(planStatus(plan)).toBe('ERROR');
  });
});
