import type { PlanJson } from '@marshal/persistence';
import { planHttpStatus, startParameters } from './plans.controller';

const plan = (status: string, errors: string[] = []): PlanJson => ({ phases: [], errors, status, strategy: 'serial' });

describe('plan HTTP answers (reference §6.2, §9.10)', () => {
  it.each([
    ['9.10 get: complete → 200', plan('COMPLETE'), 200],
    ['9.10 get: errors, even if complete → 417', plan('COMPLETE', ['e']), 417],
    ['9.10 get: ERROR → 417', plan('ERROR'), 417],
    ['9.10 get: incomplete → 202', plan('IN_PROGRESS'), 202],
  ])('%s', (_name, p, status) => {
    expect(planHttpStatus(p)).toBe(status);
  });

  it('start takes a JSON object of strings as parameters; none is {}', () => {
    expect(startParameters(undefined)).toEqual({});
    expect(startParameters({ PLAN_PARAMETER: 'parameterized' })).toEqual({ PLAN_PARAMETER: 'parameterized' });
    expect(() => startParameters(['x'])).toThrow("Couldn't parse parameters: the body must be a JSON object of strings");
    expect(() => startParameters({ A: 1 })).toThrow("Couldn't parse parameters: the value of A is not a string");
  });

  it('start refuses loader variables and bad names, naming the parameter', () => {
    expect(() => startParameters({ GOOD: 'x', LD_PRELOAD: '/tmp/evil.so' })).toThrow("Couldn't parse parameters: LD_PRELOAD may not be set by a plan parameter");
    expect(() => startParameters({ JAVA_TOOL_OPTIONS: '-javaagent:/tmp/a.jar' })).toThrow("Couldn't parse parameters: JAVA_TOOL_OPTIONS may not be set");
    expect(() => startParameters({ 'not-valid-envname': 'x' })).toThrow("Couldn't parse parameters: not-valid-envname is not a valid environment variable name");
  });
});
