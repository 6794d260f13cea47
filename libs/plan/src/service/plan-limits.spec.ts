import { pod, serviceSpec, task } from '../model/testing';
import { DEFAULT_PLAN_LIMITS, planBoundProblems, podCountProblem } from './plan-limits';
import { deployAndCustomPlans } from './reconcile.policy';

const hello = (count: number) => serviceSpec([pod('hello', count, [task('server')])]);
const opts = { deploymentCompleted: false, newId: () => '00000000-0000-4000-8000-000000000000', initialStatus: () => 'PENDING' as const };

describe('bounds of plans (docs/operations.md "Bounds")', () => {
  it('accepts the plans of a service within every bound', () => {
    expect(planBoundProblems(hello(50), DEFAULT_PLAN_LIMITS, false)).toEqual([]);
  });

  it.each([5000, 2147483647])('refuses count %d with the pod bound in the message, without generating a step', (count) => {
    const started = Date.now();
    const problems = planBoundProblems(hello(count), DEFAULT_PLAN_LIMITS, false);
    expect(problems).toEqual([{ path: 'pods', message: expect.stringContaining(`${count} pod instances (hello: ${count}); a service may have at most 2000 (MAX_PODS_PER_SERVICE)`) }]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses a plan with more steps than its bound, naming both numbers', () => {
    const problems = planBoundProblems(hello(30), { ...DEFAULT_PLAN_LIMITS, maxStepsPerPlan: 20 }, false);
    expect(problems).toEqual([{ path: 'pods', message: 'plan deploy would have 30 steps; a plan may have at most 20 (MAX_STEPS_PER_PLAN)' }]);
  });

  it('refuses a configuration whose PlanGenerated event would be larger than an event may be, with the sizes', () => {
    const [problem] = planBoundProblems(hello(200), { ...DEFAULT_PLAN_LIMITS, maxEventBytes: 50_000 }, false);
    expect(problem.path).toBe('pods');
    const [, bytes] = /would take (\d+) bytes/.exec(problem.message) ?? [];
    expect(Number(bytes)).toBeGreaterThan(50_000);
    expect(problem.message).toContain('at most 50000 bytes (MAX_EVENT_BYTES)');
  });

  it('the default pod bound keeps a one-task deploy plan inside the default event size', () => {
    // The largest service the pod bound lets in must still be appendable as one PlanGenerated event.
    expect(planBoundProblems(hello(DEFAULT_PLAN_LIMITS.maxPodsPerService), DEFAULT_PLAN_LIMITS, false)).toEqual([]);
  });

  it('plan-manager never expands a configuration over the pod bound: its deploy plan shows the error instead', () => {
    const [deploy] = deployAndCustomPlans(hello(2147483647), opts);
    expect(deploy.phases).toEqual([]);
    expect(deploy.errors).toEqual([expect.stringContaining('a service may have at most 2000')]);
    expect(podCountProblem(hello(2000), DEFAULT_PLAN_LIMITS)).toBeUndefined();
  });
});
