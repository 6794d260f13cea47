import type { ServiceSpec } from '@marshal/contracts';
import { renderServiceYaml } from '@marshal/spec';
import { decideConfiguration, isInputError, type ConfigurationTarget } from './configuration.decision';

const YAML = `name: svc
pods:
  hello:
    count: {{COUNT}}
    {{{PLACEMENT}}}
    tasks:
      server:
        goal: RUNNING
        cmd: echo hi
        cpus: {{CPUS}}
`;

/** svc.yml rendered with its environment: what spec-renderer and the CLI hand to the decision. */
function rendered(env: { COUNT?: string; CPUS?: string; PLACEMENT?: string } = {}) {
  return renderServiceYaml(YAML, { COUNT: '2', CPUS: '0.5', PLACEMENT: '', ...env });
}

function specOf(env: Parameters<typeof rendered>[0] = {}): ServiceSpec {
  const r = rendered(env);
  if (!r.spec) throw new Error(`fixture does not render: ${JSON.stringify(r.errors)}`);
  return r.spec;
}

const target = (spec: ServiceSpec): ConfigurationTarget => ({ configId: 'c1', spec });

// reference §3.8.2: accept, reject or report no change, as one rule for spec-renderer and the CLI.
describe('the configuration decision', () => {
  it('a first install is accepted, with nothing to diff against and no changed pods', () => {
    expect(decideConfiguration(rendered(), null, { mode: 'install', deploymentCompleted: false })).toEqual({ kind: 'accepted', spec: specOf(), diff: '', changedPods: [] });
  });

  it("the service's name wins over the name in svc.yml", () => {
    expect(decideConfiguration(rendered(), null, { mode: 'install', deploymentCompleted: false, service: 'other' })).toMatchObject({
      kind: 'accepted',
      spec: { name: 'other' },
    });
  });

  it('an update equal to the target changes nothing (reference §3.8.2 step 3)', () => {
    expect(decideConfiguration(rendered(), target(specOf()), { mode: 'update', deploymentCompleted: true })).toEqual({ kind: 'unchanged', configId: 'c1', spec: specOf() });
  });

  it('an update of a task names its pod as changed and diffs from the target', () => {
    const d = decideConfiguration(rendered({ CPUS: '1' }), target(specOf()), { mode: 'update', deploymentCompleted: true });
    expect(d).toMatchObject({ kind: 'accepted', changedPods: ['hello'] });
    expect(d.kind === 'accepted' && d.diff).toMatch(/-\s+"cpus": 0\.5,?\n\+\s+"cpus": 1/);
  });

  it('an update the validators refuse is rejected with every error, and recorded (the target stays)', () => {
    const d = decideConfiguration(rendered({ COUNT: '1' }), target(specOf()), { mode: 'update', deploymentCompleted: true });
    expect(d).toEqual({
      kind: 'rejected',
      errors: [{ path: 'pods.hello.count', message: "New config's PodSpec named 'hello' has 1 tasks, expected >=2 tasks" }],
      spec: specOf({ COUNT: '1' }),
      record: true,
    });
  });

  it('a refused install is not recorded', () => {
    const d = decideConfiguration(rendered({ PLACEMENT: 'placement: "hostname:BOGUS"' }), null, { mode: 'install', deploymentCompleted: false });
    expect(d).toMatchObject({ kind: 'rejected', record: false });
  });

  it('input that never became a spec is rejected with the render errors and not recorded', () => {
    const broken = rendered({ CPUS: '[' });
    expect(broken.spec).toBeNull();
    expect(decideConfiguration(broken, target(specOf()), { mode: 'update', deploymentCompleted: true })).toEqual({
      kind: 'rejected',
      errors: broken.errors,
      spec: null,
      record: false,
    });
  });
});

// reference §5.5 "Errors": a placement the evaluator could not parse is refused before it is accepted.
describe('placement validation', () => {
  it('a bad placement string is an error on its pod, in the original words', () => {
    const d = decideConfiguration(rendered({ PLACEMENT: 'placement: "hostname:BOGUS"' }), null, { mode: 'install', deploymentCompleted: false });
    expect(d.kind === 'rejected' && d.errors).toEqual([
      { path: 'pods.hello.placement', message: expect.stringMatching(/^The PlacementRule for PodSpec 'hello' had invalid constraints: /) },
    ]);
  });

  it.each([['hostname:UNIQUE'], ['[["hostname", "UNIQUE"]]'], ['zone:GROUP_BY:3']])('%s is accepted', (placement) => {
    expect(decideConfiguration(rendered({ PLACEMENT: `placement: '${placement}'` }), null, { mode: 'install', deploymentCompleted: false }).kind).toBe('accepted');
  });
});

describe('input errors: located in the options, the package files or the env, not in the spec', () => {
  it.each([
    ['/hello/count', true],
    ['package', true],
    ['env', true],
    ['env.FOO', true],
    ['svc.yml', true],
    ['svc.yml:3', true],
    ['config.json', true],
    ['pods.hello.count', false],
    ['scheduler.user', false],
  ])('%s → %s', (path, input) => {
    expect(isInputError({ path, message: 'x' })).toBe(input);
  });
});
