import { ALREADY_REPORTED_MESSAGE, applyPlanCommand, type PlanCommandInput } from './plan-commands';
import { interruptPlan, phaseInterrupted, phaseStatus, planStatus } from './plan-status';
import { canaryStrategy, serialStrategy } from './strategy';
import { stepStatus } from './step-status';
import { deployStep, phaseOf, planOf } from './testing';
import type { PlanModel, StepModel } from '@marshal/contracts';

/** deploy: phase `hello` [hello-step], phase `world` [world-0, world-1]; ids are the names prefixed with `id-`. */
function samplePlan(status: StepModel['status'] = 'PENDING'): PlanModel {
  const step = (name: string, podIndex: number) => ({ ...deployStep(`id-${name}`, status, { podIndex }), name });
  const hello = { ...phaseOf('id-hello', [step('hello-step', 0)]), name: 'hello' };
  const world = { ...phaseOf('id-world', [step('world-0', 1), step('world-1', 2)]), name: 'world' };
  return planOf('deploy', [hello, world]);
}

const run = <P extends PlanModel | undefined>(plan: P, cmd: Omit<PlanCommandInput, 'plan'>) =>
  applyPlanCommand(plan, { plan: 'deploy', ...cmd });
const statuses = (plan: PlanModel) => plan.phases.flatMap((p) => p.steps.map((s) => stepStatus(s)));
const withSteps = (plan: PlanModel, f: (s: StepModel) => StepModel): PlanModel => ({
  ...plan,
  phases: plan.phases.map((p) => ({ ...p, steps: p.steps.map(f) })),
});

describe('unknown plan (reference §6.2, §9.10)', () => {
  it.each(['start', 'stop', 'continue', 'interrupt', 'forceComplete', 'restart'] as const)('%s → 404 "Plan deploy not found"', (action) => {
    expect(run(undefined, { action }).outcome).toEqual({ code: 'NOT_FOUND', message: 'Plan deploy not found' });
  });
});

describe('start (reference §3.7, §9.10)', () => {
  it('incomplete plan → 200, proceeds without restart, parameters reach every step (A29)', () => {
    const plan = interruptPlan(withSteps(samplePlan(), (s) => (s.id === 'id-hello-step' ? { ...s, status: 'COMPLETE' } : s)));
    const { plan: next, outcome } = run(plan, { action: 'start', parameters: { PARAM1: 'value1' } });
    expect(outcome).toEqual({ code: 'OK', message: 'Received cmd: start deploy with parameters: {PARAM1=value1}' });
    expect(next.strategy.interrupted).toBe(false);
    expect(statuses(next)).toEqual(['COMPLETE', 'PENDING', 'PENDING']);
    expect(next.phases.flatMap((p) => p.steps.map((s) => s.parameters))).toEqual(Array(3).fill({ PARAM1: 'value1' }));
  });

  it('complete plan → restarted (all steps PENDING, their delays cleared) then proceeded', () => {
    const plan = interruptPlan(samplePlan('COMPLETE'));
    const { plan: next, outcome, clearBackoff } = run(plan, { action: 'start', parameters: {} });
    expect(outcome.message).toBe('Received cmd: start deploy with parameters: {}');
    expect(statuses(next)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    expect(next.strategy.interrupted).toBe(false);
    expect(clearBackoff).toEqual(['pod-0-task', 'pod-1-task', 'pod-2-task']);
  });

  it('parameters replace each step’s previous ones; two parameters render like a Java map', () => {
    const plan = withSteps(samplePlan(), (s) => ({ ...s, parameters: { OLD: 'x' } }));
    const { plan: next, outcome } = run(plan, { action: 'start', parameters: { A: '1', B_2: 'two' } });
    expect(outcome.message).toBe('Received cmd: start deploy with parameters: {A=1, B_2=two}');
    expect(next.phases[0].steps[0].parameters).toEqual({ A: '1', B_2: 'two' });
  });

  it('parameter key not-valid-envname → 400, checked before the plan is looked up', () => {
    const bad = { code: 'INVALID_ARGUMENT', message: "Couldn't parse parameters: not-valid-envname is not a valid environment variable name" };
    expect(run(samplePlan(), { action: 'start', parameters: { 'not-valid-envname': 'x' } }).outcome).toEqual(bad);
    expect(run(undefined, { action: 'start', parameters: { 'not-valid-envname': 'x' } }).outcome).toEqual(bad);
    expect(run(samplePlan(), { action: 'start', parameters: { '1ABC': 'x' } }).outcome.code).toBe('INVALID_ARGUMENT');
  });
});

describe('stop (reference §3.7, §9.10)', () => {
  it('200 "Received cmd: stop": interrupts and restarts all steps; the plan shows WAITING', () => {
    const plan = withSteps(samplePlan(), (s) => (s.id === 'id-hello-step' ? { ...s, status: 'COMPLETE' } : { ...s, status: 'STARTING' }));
    const { plan: next, outcome, clearBackoff } = run(plan, { action: 'stop' });
    expect(outcome).toEqual({ code: 'OK', message: 'Received cmd: stop' });
    expect(statuses(next)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    expect(planStatus(next)).toBe('WAITING');
    expect(clearBackoff).toHaveLength(3);
  });
});

describe('continue (reference §6.2, §9.10)', () => {
  it('interrupted plan → 200 "Received cmd: continue" and proceeds', () => {
    const { plan, outcome } = run(interruptPlan(samplePlan()), { action: 'continue' });
    expect(outcome).toEqual({ code: 'OK', message: 'Received cmd: continue' });
    expect(plan.strategy.interrupted).toBe(false);
  });

  it('phase by name and by id → 200 and proceeds it', () => {
    const plan = samplePlan();
    const interrupted = { ...plan, phases: plan.phases.map((p) => ({ ...p, strategy: { ...p.strategy, interrupted: true } })) };
    for (const phase of ['world', 'id-world']) {
      const { plan: next, outcome } = run(interrupted, { action: 'continue', phase });
      expect(outcome.code).toBe('OK');
      expect(next.phases.map((p) => phaseInterrupted(p))).toEqual([true, false]);
    }
  });

  it('phases sharing a name are all proceeded', () => {
    const plan = samplePlan();
    const twins = { ...plan, phases: plan.phases.map((p) => ({ ...p, name: 'twin', strategy: { ...p.strategy, interrupted: true } })) };
    const { plan: next } = run(twins, { action: 'continue', phase: 'twin' });
    expect(next.phases.map((p) => phaseInterrupted(p))).toEqual([false, false]);
  });

  it('unknown phase → 404 "Phase nope not found"', () => {
    expect(run(samplePlan(), { action: 'continue', phase: 'nope' }).outcome).toEqual({ code: 'NOT_FOUND', message: 'Phase nope not found' });
  });

  it('plan or phase already running → 208; already complete → 208', () => {
    const running = withSteps(samplePlan(), (s) => (s.id === 'id-hello-step' ? { ...s, status: 'PREPARED' } : s));
    expect(run(running, { action: 'continue' }).outcome).toEqual({ code: 'ALREADY_REPORTED', message: ALREADY_REPORTED_MESSAGE });
    expect(run(running, { action: 'continue', phase: 'hello' }).outcome.code).toBe('ALREADY_REPORTED');
    const complete = samplePlan('COMPLETE');
    expect(run(complete, { action: 'continue' }).outcome.code).toBe('ALREADY_REPORTED');
    expect(run(complete, { action: 'continue', phase: 'world' }).outcome.code).toBe('ALREADY_REPORTED');
  });

  it('a pending (not running) proceeding plan → 200 with nothing to change', () => {
    const plan = samplePlan();
    expect(planStatus(plan)).toBe('PENDING');
    const result = run(plan, { action: 'continue' });
    expect(result.outcome.code).toBe('OK');
    expect(result.plan).toEqual(plan);
  });
});

describe('continue on a canary phase (reference §2.2, §10.3 quirk 16)', () => {
  function canaryPlan(): PlanModel {
    const steps = [0, 1, 2, 3].map((i) => deployStep(`s${i}`, 'PENDING', { podIndex: i }));
    const canary = canaryStrategy(serialStrategy(steps), steps);
    return planOf('deploy', [{ ...phaseOf('id-canary', canary.steps, canary.strategy), name: 'canary' }]);
  }

  it('initially steps 0 and 1 WAITING, 2 and 3 PENDING; phase and plan WAITING', () => {
    const plan = canaryPlan();
    expect(statuses(plan)).toEqual(['WAITING', 'WAITING', 'PENDING', 'PENDING']);
    expect(phaseStatus(plan.phases[0])).toBe('WAITING');
    expect(planStatus(plan)).toBe('WAITING');
  });

  it('plan continue without a phase → 200 but releases nothing', () => {
    const plan = canaryPlan();
    const { plan: next, outcome } = run(plan, { action: 'continue' });
    expect(outcome.code).toBe('OK');
    expect(statuses(next)).toEqual(['WAITING', 'WAITING', 'PENDING', 'PENDING']);
  });

  it('each phase continue releases one canary step; WAITING again between them', () => {
    let plan = run(canaryPlan(), { action: 'continue', phase: 'canary' }).plan;
    expect(statuses(plan)).toEqual(['PENDING', 'WAITING', 'PENDING', 'PENDING']);
    expect(phaseStatus(plan.phases[0])).toBe('PENDING');
    plan = withSteps(plan, (s) => (s.id === 's0' ? { ...s, status: 'COMPLETE' } : s));
    expect(phaseStatus(plan.phases[0])).toBe('WAITING');
    plan = run(plan, { action: 'continue', phase: 'canary' }).plan;
    expect(statuses(plan)).toEqual(['COMPLETE', 'PENDING', 'PENDING', 'PENDING']);
    expect(phaseStatus(plan.phases[0])).toBe('IN_PROGRESS');
  });

  it('interrupt of a phase during its canary period → 208 (it counts as interrupted)', () => {
    expect(run(canaryPlan(), { action: 'interrupt', phase: 'canary' }).outcome.code).toBe('ALREADY_REPORTED');
  });
});

describe('interrupt (reference §6.2, §9.10)', () => {
  it('plan → 200 "Received cmd: interrupt"; already interrupted → 208; complete → 208', () => {
    const { plan, outcome } = run(samplePlan(), { action: 'interrupt' });
    expect(outcome).toEqual({ code: 'OK', message: 'Received cmd: interrupt' });
    expect(plan.strategy.interrupted).toBe(true);
    expect(run(plan, { action: 'interrupt' }).outcome.code).toBe('ALREADY_REPORTED');
    expect(run(samplePlan('COMPLETE'), { action: 'interrupt' }).outcome.code).toBe('ALREADY_REPORTED');
  });

  it('phase → interrupts the phase’s strategy only; already interrupted or complete → 208; unknown → 404', () => {
    const { plan, outcome } = run(samplePlan(), { action: 'interrupt', phase: 'world' });
    expect(outcome.code).toBe('OK');
    expect(plan.strategy.interrupted).toBe(false);
    expect(plan.phases.map((p) => phaseInterrupted(p))).toEqual([false, true]);
    expect(run(plan, { action: 'interrupt', phase: 'world' }).outcome.code).toBe('ALREADY_REPORTED');
    expect(run(samplePlan('COMPLETE'), { action: 'interrupt', phase: 'world' }).outcome.code).toBe('ALREADY_REPORTED');
    expect(run(samplePlan(), { action: 'interrupt', phase: 'nope' }).outcome).toEqual({ code: 'NOT_FOUND', message: 'Phase nope not found' });
  });
});

describe('forceComplete (reference §6.2, §9.10)', () => {
  it('step by names and by ids → 200 with the target in the message', () => {
    const byName = run(samplePlan(), { action: 'forceComplete', phase: 'world', step: 'world-1' });
    expect(byName.outcome).toEqual({ code: 'OK', message: 'Received cmd: forceComplete for Plan: deploy, Phase: world, Step: world-1' });
    expect(statuses(byName.plan)).toEqual(['PENDING', 'PENDING', 'COMPLETE']);
    const byId = run(samplePlan(), { action: 'forceComplete', phase: 'id-world', step: 'id-world-0' });
    expect(byId.outcome.message).toBe('Received cmd: forceComplete for Plan: deploy, Phase: id-world, Step: id-world-0');
    expect(statuses(byId.plan)).toEqual(['PENDING', 'COMPLETE', 'PENDING']);
  });

  it('plan-level and phase-level → 200; absent values print as null', () => {
    const plan = run(samplePlan(), { action: 'forceComplete' });
    expect(plan.outcome.message).toBe('Received cmd: forceComplete for Plan: deploy, Phase: null, Step: null');
    expect(statuses(plan.plan)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
    const phase = run(samplePlan(), { action: 'forceComplete', phase: 'world' });
    expect(phase.outcome.message).toBe('Received cmd: forceComplete for Plan: deploy, Phase: world, Step: null');
    expect(statuses(phase.plan)).toEqual(['PENDING', 'COMPLETE', 'COMPLETE']);
  });

  it('unknown phase or step → 404 and nothing changes; step already complete → 208', () => {
    const plan = samplePlan();
    const phase = run(plan, { action: 'forceComplete', phase: 'nope', step: 'world-0' });
    expect(phase).toMatchObject({ plan, outcome: { code: 'NOT_FOUND', message: 'Phase nope not found' } });
    const step = run(plan, { action: 'forceComplete', phase: 'world', step: 'nope' });
    expect(step).toMatchObject({ plan, outcome: { code: 'NOT_FOUND', message: 'Step nope not found' } });
    const done = run(samplePlan('COMPLETE'), { action: 'forceComplete', phase: 'world', step: 'world-0' });
    expect(done.outcome).toEqual({ code: 'ALREADY_REPORTED', message: ALREADY_REPORTED_MESSAGE });
  });

  it('step without phase → 400 "Missing phase"', () => {
    expect(run(samplePlan(), { action: 'forceComplete', step: 'world-0' }).outcome).toEqual({ code: 'INVALID_ARGUMENT', message: 'Missing phase' });
  });

  it('a step name matching in another phase only is not found in this one', () => {
    expect(run(samplePlan(), { action: 'forceComplete', phase: 'hello', step: 'world-0' }).outcome.code).toBe('NOT_FOUND');
  });
});

describe('restart (reference §6.2, §9.10)', () => {
  it('step → restart and proceed on the step; its delays are cleared', () => {
    const plan = withSteps(samplePlan(), (s) => (s.id === 'id-world-0' ? { ...s, status: 'COMPLETE', interrupted: true } : s));
    const { plan: next, outcome, clearBackoff } = run(plan, { action: 'restart', phase: 'world', step: 'world-0' });
    expect(outcome).toEqual({ code: 'OK', message: 'Received cmd: restart for Plan: deploy, Phase: world, Step: world-0' });
    expect(next.phases[1].steps[0]).toMatchObject({ status: 'PENDING', interrupted: false });
    expect(clearBackoff).toEqual(['pod-1-task']);
  });

  it('plan-level → all steps restarted and the plan proceeded; phases’ own flags untouched', () => {
    const plan = interruptPlan(samplePlan('COMPLETE'));
    const withInterruptedPhase = { ...plan, phases: plan.phases.map((p, i) => (i === 1 ? { ...p, strategy: { ...p.strategy, interrupted: true } } : p)) };
    const { plan: next, outcome } = run(withInterruptedPhase, { action: 'restart' });
    expect(outcome.message).toBe('Received cmd: restart for Plan: deploy, Phase: null, Step: null');
    expect(next.strategy.interrupted).toBe(false);
    expect(next.phases.map((p) => phaseInterrupted(p))).toEqual([false, true]);
    expect(statuses(next)).toEqual(['PENDING', 'PENDING', 'PENDING']);
  });

  it('phase-level → the phase’s steps restarted and the phase proceeded', () => {
    const plan = samplePlan('COMPLETE');
    const interrupted = { ...plan, phases: plan.phases.map((p) => ({ ...p, strategy: { ...p.strategy, interrupted: true } })) };
    const { plan: next, outcome } = run(interrupted, { action: 'restart', phase: 'world' });
    expect(outcome.message).toBe('Received cmd: restart for Plan: deploy, Phase: world, Step: null');
    expect(statuses(next)).toEqual(['COMPLETE', 'PENDING', 'PENDING']);
    expect(next.phases.map((p) => phaseInterrupted(p))).toEqual([true, false]);
  });

  it('target already PENDING → 208; a WAITING target is not PENDING → 200', () => {
    expect(run(samplePlan(), { action: 'restart', phase: 'world', step: 'world-0' }).outcome.code).toBe('ALREADY_REPORTED');
    const waiting = withSteps(samplePlan(), (s) => ({ ...s, interrupted: true }));
    const { plan, outcome } = run(waiting, { action: 'restart', phase: 'world', step: 'world-0' });
    expect(outcome.code).toBe('OK');
    expect(stepStatus(plan.phases[1].steps[0])).toBe('PENDING');
  });

  it('unknown phase or step → 404; step without phase → 400', () => {
    expect(run(samplePlan('COMPLETE'), { action: 'restart', phase: 'nope' }).outcome).toEqual({ code: 'NOT_FOUND', message: 'Phase nope not found' });
    expect(run(samplePlan('COMPLETE'), { action: 'restart', phase: 'world', step: 'nope' }).outcome).toEqual({ code: 'NOT_FOUND', message: 'Step nope not found' });
    expect(run(samplePlan('COMPLETE'), { action: 'restart', step: 'world-0' }).outcome).toEqual({ code: 'INVALID_ARGUMENT', message: 'Missing phase' });
  });
});
