import { frameworkHealthCode, planHasErrors, serviceHealth, type HealthPlanView } from './service-health';

const plan = (name: string, status: string, stepStatuses: string[] = [], opts: { errors?: string[]; interrupted?: boolean } = {}): HealthPlanView => ({
  tree: { name, status: status as never, errors: opts.errors ?? [], phases: [{ id: 'p', name: 'p', strategy: 'serial', status: status as never, steps: stepStatuses.map((s, i) => ({ id: `s${i}`, name: `s${i}`, kind: 'deployment', status: s as never, tasks: [], errors: [] })) }] },
  interrupted: opts.interrupted ?? false,
});

// reference §6.7: the status code and its selection order.
describe('service health', () => {
  it.each([
    ['no deploy plan yet → INITIALIZING 318', [], 318],
    ['deploy complete → RUNNING 200', [plan('deploy', 'COMPLETE', ['COMPLETE']), plan('recovery', 'COMPLETE')], 200],
    ['a plan with errors → ERROR_CREATING_SERVICE 500', [plan('deploy', 'ERROR', [], { errors: ['bad'] })], 500],
    ['deploy steps pending → DEPLOYING_PENDING 204', [plan('deploy', 'PENDING', ['PENDING'])], 204],
    ['deploy steps starting → DEPLOYING_STARTING 202', [plan('deploy', 'STARTING', ['STARTING'])], 202],
    ['a delayed deploy step → DELAYED 208', [plan('deploy', 'DELAYED', ['DELAYED'])], 208],
    ['deploy interrupted → DEPLOYING_WAITING_USER 207', [plan('deploy', 'WAITING', ['COMPLETE', 'WAITING'], { interrupted: true })], 207],
    ['recovery pending → RECOVERING_PENDING 203', [plan('deploy', 'COMPLETE', ['COMPLETE']), plan('recovery', 'PENDING', ['PENDING'])], 203],
    ['recovery starting → RECOVERING_STARTING 205', [plan('deploy', 'COMPLETE', ['COMPLETE']), plan('recovery', 'STARTING', ['STARTING'])], 205],
    ['a backup plan running → BACKING_UP 320', [plan('deploy', 'COMPLETE', ['COMPLETE']), plan('backup-s3', 'IN_PROGRESS', ['STARTING'])], 320],
    ['a restore plan running → RESTORING 321', [plan('deploy', 'COMPLETE', ['COMPLETE']), plan('restore-s3', 'STARTING', ['STARTING'])], 321],
    ['an interrupted backup plan does not count', [plan('deploy', 'COMPLETE', ['COMPLETE']), plan('backup-s3', 'WAITING', ['PENDING'], { interrupted: true })], 200],
  ])('%s', (_name, plans, code) => {
    expect(serviceHealth(plans as HealthPlanView[]).code).toBe(code);
  });

  it('explains each check in order (verbose reasons)', () => {
    const r = serviceHealth([plan('deploy', 'PENDING', ['PENDING'])]);
    expect(r.reasons[0]).toMatch(/^Priority 1\. Status Code 500 is false/);
    expect(r.reasons[r.reasons.length - 1]).toMatch(/Status Code 204 is TRUE/);
  });
});

// reference §6.9: the multi-service scheduler's own health, over every service's plans.
describe('framework health', () => {
  const p = (status: string, errors: string[] = []) => ({ status, errors });
  it.each([
    ['no services', [], 200],
    ['every plan complete', [[p('COMPLETE'), p('COMPLETE')], [p('COMPLETE')]], 200],
    ['a plan still deploying', [[p('COMPLETE')], [p('IN_PROGRESS')]], 202],
    ['a plan with errors wins over one deploying, whichever service comes first', [[p('IN_PROGRESS')], [p('COMPLETE', ['bad'])]], 417],
    ['a plan in ERROR', [[p('ERROR')], [p('PENDING')]], 417],
  ])('%s → %s', (_name, services, code) => {
    expect(frameworkHealthCode(services)).toBe(code);
  });

  it('a plan has errors when it is in ERROR or carries errors', () => {
    expect([p('ERROR'), p('COMPLETE', ['x']), p('COMPLETE'), p('WAITING')].map(planHasErrors)).toEqual([true, true, false, false]);
  });
});
