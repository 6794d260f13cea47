import { helloWorldPackage, readFixture, specOf } from '../../fixtures/fixtures';
import { renderPackage } from './render-package';

describe('renderPackage with the helloworld universe package (reference §8.3)', () => {
  it('renders helloworld svc.yml with the default options into hello ×1 and world ×2', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'svc.yml')));
    expect(r.errors).toEqual([]);
    const spec = specOf(r);
    expect(spec.name).toBe('hello-world');
    expect(spec.user).toBe('nobody');
    expect(spec.principal).toBe('hello-world-principal');
    expect(spec.role).toBe('hello-world-role');
    expect(spec.pods.map((p) => [p.type, p.count])).toEqual([
      ['hello', 1],
      ['world', 2],
    ]);
    const hello = spec.pods[0];
    expect(hello.placement).toBe('[["hostname", "UNIQUE"]]');
    expect(hello.rlimits).toEqual([{ name: 'RLIMIT_NOFILE', soft: 128000, hard: 128000 }]);
    expect(hello.resourceSets).toEqual([
      {
        id: 'server-resource-set',
        cpus: 0.1,
        memory: 252,
        ports: [],
        volumes: [{ path: 'hello-container-path', type: 'ROOT', size: 25, profiles: [] }],
      },
    ]);
    expect(hello.tasks[0].env).toEqual({ SLEEP_DURATION: '1000', PACKAGE_VERSION_TO_FORCE_UPDATE: '2.10.0-0.57.0' });
    const world = spec.pods[1];
    expect(world.allowDecommission).toBe(true);
    expect(world.tasks[0].readinessCheck).toEqual({ cmd: expect.stringContaining('wc -c'), interval: 5, delay: 0, timeout: 10 });
    expect(spec.plans).toEqual([]);
  });

  it('maps options onto the scheduler env and from there into the spec', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'svc.yml')), {
      options: { service: { name: 'greeter', user: 'root' }, hello: { count: 3, cpus: 0.5 }, world: { count: 0 } },
    });
    expect(r.errors).toEqual([]);
    expect(r.schedulerEnv).toMatchObject({ FRAMEWORK_NAME: 'greeter', HELLO_COUNT: '3', HELLO_CPUS: '0.5', WORLD_COUNT: '0' });
    expect(specOf(r).name).toBe('greeter');
    expect(specOf(r).user).toBe('root');
    expect(specOf(r).pods.map((p) => p.count)).toEqual([3, 0]);
    expect(specOf(r).pods[0].resourceSets[0].cpus).toBe(0.5);
    expect(r.resolvedOptions).toMatchObject({ service: { name: 'greeter', sleep: 1000 }, hello: { count: 3, mem: 252 } });
  });

  it('renders simple.yml: one pod, one task, no volume, no plans', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'simple.yml')));
    expect(r.errors).toEqual([]);
    expect(specOf(r).pods).toHaveLength(1);
    const [pod] = specOf(r).pods;
    expect(pod.type).toBe('hello');
    expect(pod.tasks.map((t) => [t.name, t.goal, t.cmd])).toEqual([['server', 'RUNNING', 'echo hello >> output && sleep $SLEEP_DURATION']]);
    expect(pod.resourceSets[0].volumes).toEqual([]);
  });

  it('merges defaults ← stored ← provided, and --replace drops the stored options', () => {
    const pkg = helloWorldPackage(readFixture('helloworld', 'simple.yml'));
    const stored = { hello: { count: 2, cpus: 0.3 } };
    const merged = renderPackage(pkg, { storedOptions: stored, options: { hello: { cpus: 0.4 } } });
    expect(merged.resolvedOptions).toMatchObject({ hello: { count: 2, cpus: 0.4, mem: 252 } });
    const replaced = renderPackage(pkg, { storedOptions: stored, options: { hello: { cpus: 0.4 } }, replace: true });
    expect(replaced.resolvedOptions).toMatchObject({ hello: { count: 1, cpus: 0.4 } });
  });

  it('reports every option that breaks config.json, each with its JSON pointer', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'svc.yml')), {
      options: { hello: { count: 'three', cpus: 'lots' }, service: { log_level: 'LOUD' } },
    });
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual(
      expect.arrayContaining([
        { path: '/hello/count', message: 'must be integer' },
        { path: '/hello/cpus', message: 'must be number' },
        { path: '/service/log_level', message: expect.stringContaining('must be one of') },
      ]),
    );
  });

  it.each([
    ['an array', [1, 2]],
    ['a string', 'hello'],
    ['a number', 42],
  ])('rejects options that are %s with a clear error', (_what, options) => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'simple.yml')), { options: options as never });
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual([{ path: '/', message: expect.stringContaining('options must be a JSON object') }]);
  });

  it('rejects options nested deeper than 32 levels with the pointer where, instead of overflowing the stack', () => {
    const options: Record<string, unknown> = {};
    let at = options;
    for (let i = 0; i < 5000; i++) at = (at['a'] = {}) as Record<string, unknown>;
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'simple.yml')), { options: { service: options } });
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual([{ path: `/service${'/a'.repeat(31)}`, message: 'options nest deeper than 32 levels' }]);
  });

  describe('a template that expands without bound is stopped, not left to stall or exhaust the renderer', () => {
    const pkg = (marathon: string) => ({ name: 'p', version: '1', files: { 'config.json': '{"type": "object"}', 'marathon.json.mustache': marathon, 'svc.yml': 'name: x\n' } });

    it('sections over a list nested four deep (100^4 renders)', () => {
      const started = Date.now();
      const r = renderPackage(pkg('{"env": {"X": "{{#l}}{{#l}}{{#l}}{{#l}}x{{/l}}{{/l}}{{/l}}{{/l}}"}}'), { options: { l: Array.from({ length: 100 }, (_, i) => i) } });
      expect(r.errors).toEqual([
        { path: 'marathon.json.mustache', message: 'Mustache template error: the template expands to more than 100000 section renderings (nested sections over lists?)' },
      ]);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('a large value repeated over a long list (more than 64 MiB)', () => {
      const r = renderPackage(pkg('{"env": {"X": "{{#l}}{{big}}{{/l}}"}}'), { options: { l: Array.from({ length: 1000 }, (_, i) => i), big: 'b'.repeat(100_000) } });
      expect(r.errors).toEqual([{ path: 'marathon.json.mustache', message: 'Mustache template error: the template renders to more than 64 MiB' }]);
    });
  });

  it('applies --env overrides over the package env', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'simple.yml')), { env: { HELLO_COUNT: '5', EXTRA: 'x' } });
    expect(r.schedulerEnv).toMatchObject({ HELLO_COUNT: '5', EXTRA: 'x' });
    expect(specOf(r).pods[0].count).toBe(5);
  });

  it('routes TASKCFG_ALL_PACKAGE_VERSION_TO_FORCE_UPDATE into every task, so a package upgrade changes every task', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'svc.yml'), '3.0.0'));
    for (const pod of specOf(r).pods) expect(pod.tasks[0].env['PACKAGE_VERSION_TO_FORCE_UPDATE']).toBe('3.0.0');
  });

  it('says which file failed when marathon.json.mustache does not render to JSON', () => {
    // reference §8.3: the helloworld template has a broken line behind the external_volume_name section.
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'svc.yml')), { options: { hello: { external_volume_name: 'vol' } } });
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual([{ path: 'marathon.json.mustache', message: expect.stringContaining('did not render to valid JSON') }]);
  });

  it('lists missing svc.yml values as warnings, or as the original strict-mode error', () => {
    const pkg = helloWorldPackage('name: {{FRAMEWORK_NAME}}\npods:\n  p:\n    count: 1\n    tasks:\n      t:\n        goal: RUNNING\n        cmd: echo {{NOT_SET}}\n        cpus: 1\n');
    const lenient = renderPackage(pkg);
    expect(lenient.errors).toEqual([]);
    expect(lenient.warnings).toContain('svc.yml: missing template values rendered as empty: [NOT_SET@L8]');
    const strict = renderPackage(pkg, { strict: true });
    expect(strict.spec).toBeNull();
    expect(strict.errors[0].message).toMatch(/^Missing 1 value when rendering svc.yml:\n- Missing values: \[NOT_SET@L8\]\n- Provided values: \{/);
  });
});
