import { specOf } from '../../fixtures/fixtures';
import { renderServiceYaml } from '../render/render-service-yaml';

const yaml = (strategy: string) => `name: svc
pods:
  hello:
    count: 3
    tasks:
      server:
        goal: RUNNING
        cmd: echo hi
        cpus: 0.5
plans:
  deploy:
    phases:
      p:
        pod: hello
        strategy: ${strategy}
`;

describe('phase strategy parallel: {max-concurrent: N} (throttled parallel, other-systems §1a.2)', () => {
  it('reads as a parallel phase with maxConcurrent; a named strategy has none', () => {
    expect(specOf(renderServiceYaml(yaml('{parallel: {max-concurrent: 5}}'), {})).plans[0].phases[0]).toEqual({ name: 'p', pod: 'hello', strategy: 'parallel', maxConcurrent: 5 });
    expect(specOf(renderServiceYaml(yaml('parallel'), {})).plans[0].phases[0]).toEqual({ name: 'p', pod: 'hello', strategy: 'parallel' });
  });

  it.each([
    ['zero', '{parallel: {max-concurrent: 0}}', 'plans.deploy.phases.p.strategy.parallel.max-concurrent', 'must be at least 1, got 0'],
    ['not an integer', '{parallel: {max-concurrent: 2.5}}', 'plans.deploy.phases.p.strategy.parallel.max-concurrent', 'must be an integer, got 2.5'],
    ['missing', '{parallel: {}}', 'plans.deploy.phases.p.strategy.parallel.max-concurrent', "Missing required 'max-concurrent' of the throttled parallel strategy"],
    ['another strategy as a mapping', '{serial: {max-concurrent: 2}}', 'plans.deploy.phases.p.strategy.serial', "Unrecognized field 'serial' (expected one of: parallel)"],
    ['an unknown option', '{parallel: {max-concurrent: 2, burst: 3}}', 'plans.deploy.phases.p.strategy.parallel.burst', "Unrecognized field 'burst' (expected one of: max-concurrent)"],
  ])('rejects %s, naming where', (_name, strategy, path, message) => {
    const r = renderServiceYaml(yaml(strategy), {});
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual(expect.arrayContaining([{ path, message }]));
  });
});
