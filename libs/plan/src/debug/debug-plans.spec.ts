import { debugPlans, type DebugPlanInput } from './debug-plans';

const deploy: DebugPlanInput = {
  name: 'deploy',
  status: 'IN_PROGRESS',
  strategy: 'serial',
  phases: [{ name: 'hello', status: 'IN_PROGRESS', strategy: 'serial', steps: [{ name: 'hello-0:[server]', status: 'COMPLETE', errors: [] }, { name: 'hello-1:[server]', status: 'STARTING', errors: [] }] }],
};
const recovery: DebugPlanInput = { name: 'recovery', status: 'COMPLETE', strategy: 'parallel', phases: [] };

// reference §6.8 /v1/debug/plans
describe('debug plans summary', () => {
  it('counts steps, names running plans and gives the topology', () => {
    const r = debugPlans([deploy, recovery], {}, false);
    expect(r).toMatchObject({ schedulerState: 'DEPLOYING', activePlans: ['deploy'] });
    if ('invalid-input' in r) throw new Error('unexpected');
    expect(r.plans.map((p) => [p.name, p.totalSteps, p.completedSteps])).toEqual([['deploy', 2, 1], ['recovery', 0, 0]]);
    expect(r.serviceTopology[0]).toEqual({ name: 'deploy', type: 'plan', children: [{ name: 'hello', type: 'phase', children: [{ name: 'hello-0:[server]', type: 'step' }, { name: 'hello-1:[server]', type: 'step' }] }] });
  });

  it.each([
    ['recovery running → RECOVERING', [deploy, { ...recovery, status: 'STARTING' }], false, 'RECOVERING'],
    ['decommission beats recovery', [deploy, { ...recovery, status: 'STARTING' }, { ...recovery, name: 'decommission', status: 'PENDING' }], false, 'DECOMMISSIONING'],
    ['deploy ever completed → DEPLOYED', [{ ...deploy, status: 'COMPLETE' }, recovery], true, 'DEPLOYED'],
    ['nothing running → RUNNING', [{ ...deploy, status: 'COMPLETE' }, recovery], false, 'RUNNING'],
  ])('scheduler state: %s', (_n, plans, completed, state) => {
    expect(debugPlans(plans as DebugPlanInput[], {}, completed as boolean)).toMatchObject({ schedulerState: state });
  });

  it.each([
    [{ step: 's' }, 'Step specified without parent Phase and Plan values.'],
    [{ phase: 'p' }, 'Phase specified without parent Plan.'],
    [{ plan: 'nope' }, 'Supplied plan not found in list of all available plans!'],
  ])('answers invalid-input for %p', (filter, reason) => {
    expect(debugPlans([deploy], filter, false)).toEqual({ 'invalid-input': reason });
  });

  it('filters plan, phase and step by name, case-insensitively', () => {
    const r = debugPlans([deploy, recovery], { plan: 'DEPLOY', phase: 'Hello', step: 'hello-1:[server]' }, false);
    if ('invalid-input' in r) throw new Error(r['invalid-input']);
    expect(r.plans).toHaveLength(1);
    expect(r.plans[0].phases[0].steps.map((s) => s.name)).toEqual(['hello-1:[server]']);
  });
});
