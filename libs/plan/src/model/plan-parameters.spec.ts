import { applyPlanCommand } from './plan-commands';
import { parameterNameProblem } from './plan-parameters';
import { deployStep, phaseOf, planOf } from './testing';

describe('plan start parameters (reference §3.7, docs/compatibility.md)', () => {
  it.each(['PLAN_PARAMETER', 'var', 'var4', 'A', 'B_2', 'PARAM1', '_x', 'LDAP_HOST', 'PATHS', 'ENVIRONMENT', 'MY_PATH'])('%s may be set', (name) => {
    expect(parameterNameProblem(name)).toBeUndefined();
  });

  it.each([
    'LD_PRELOAD',
    'LD_LIBRARY_PATH',
    'LD_AUDIT',
    'ld_preload',
    'DYLD_INSERT_LIBRARIES',
    'BASH_ENV',
    'ENV',
    'PATH',
    'Path',
    'IFS',
    'JAVA_TOOL_OPTIONS',
    '_JAVA_OPTIONS',
    'NODE_OPTIONS',
    'PYTHONPATH',
    'PERL5OPT',
    'GCONV_PATH',
  ])('%s is refused, naming it', (name) => {
    expect(parameterNameProblem(name)).toBe(`${name} may not be set by a plan parameter: it changes which code the task's shell, loader or runtime runs`);
  });

  it('a loader variable among good ones refuses the whole command and leaves the plan as it was', () => {
    const plan = planOf('deploy', [phaseOf('id-hello', [deployStep('id-hello-0')])]);
    const r = applyPlanCommand(plan, { plan: 'deploy', action: 'start', parameters: { GOOD: '1', LD_PRELOAD: '/tmp/evil.so' } });
    expect(r.outcome).toEqual({
      code: 'INVALID_ARGUMENT',
      message: "Couldn't parse parameters: LD_PRELOAD may not be set by a plan parameter: it changes which code the task's shell, loader or runtime runs",
    });
    expect(r.plan).toBe(plan);
    expect(r.plan.phases.flatMap((p) => p.steps).every((s) => Object.keys(s.parameters).length === 0)).toBe(true);
  });
});
