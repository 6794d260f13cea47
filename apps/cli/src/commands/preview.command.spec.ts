import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toPlanStatusTree } from '../format/plan-tree';
import { previewDeltas, previewJson, previewPlans, previewSpec } from './preview.command';

/** The original's example files (reference §8.1, §8.3), as copied for the spec lib's tests. */
const DCOS = join(__dirname, '..', '..', '..', '..', 'libs', 'spec', 'fixtures', 'dcos');
const UNIVERSE = join(DCOS, 'universe');
const example = (name: string) => join(DCOS, 'helloworld', name);

/** reference §9.12 "All dist YAMLs build": the extra env some examples need. */
const EXTRA_ENV: Record<string, Record<string, string>> = {
  'secrets.yml': { HELLO_SECRET1: 's1', HELLO_SECRET2: 's2', WORLD_SECRET1: 's1', WORLD_SECRET2: 's2', WORLD_SECRET3: 's3' },
  'custom_steps.yml': { DEPLOY_STRATEGY: 'serial', DEPLOY_STEPS: '[[first, second, third]]' },
  'profile-mount-volume.yml': { HELLO_VOLUME_PROFILE: 'xfs' },
  'pod-profile-mount-volume.yml': { HELLO_VOLUME_PROFILE: 'xfs' },
  'svc.yml': { HELLO_LABELS: 'label1:label-value1' },
  // The raw universe package leaves resource.json's artifact URLs to the package build.
  'tls.yml': { JAVA_URI: 'https://downloads.example.com/jre.tar.gz', BOOTSTRAP_URI: 'https://downloads.example.com/bootstrap.zip' },
};

const preview = (name: string) => previewPlans(previewSpec({ path: example(name), packageDir: UNIVERSE, env: EXTRA_ENV[name] ?? {} }));

describe('marshal plan preview of every helloworld example with the universe package (reference §1–§3)', () => {
  it.each(readdirSync(join(DCOS, 'helloworld')).sort())('%s', (name) => {
    const plans = preview(name);
    expect(plans.map((p) => p.name).slice(0, 2)).toEqual(['deploy', 'recovery']);
    for (const p of plans) expect(p.errors).toEqual([]);
    expect(plans[1]).toMatchObject({ strategy: 'parallel', status: 'COMPLETE', phases: [] });
    expect(plans[0].phases.length).toBeGreaterThan(0);
  });

  it('svc.yml: the default deploy plan of §3.1 (hello ×1, world ×2)', () => {
    const [deploy] = preview('svc.yml');
    expect(toPlanStatusTree('deploy', deploy)).toBe(
      [
        'deploy (serial strategy) (PENDING)',
        '├─ hello (serial strategy) (PENDING)',
        '│  └─ hello-0:[server] (PENDING)',
        '└─ world (serial strategy) (PENDING)',
        '   ├─ world-0:[server] (PENDING)',
        '   └─ world-1:[server] (PENDING)',
        '',
      ].join('\n'),
    );
  });

  it('canary.yml: canary phases wait for the operator', () => {
    const [deploy] = preview('canary.yml');
    expect(previewJson([deploy]).plans[0]).toEqual({
      name: 'deploy',
      strategy: 'serial',
      status: 'WAITING',
      errors: [],
      phases: [
        { name: 'hello-deploy', strategy: 'parallel-canary', status: 'WAITING', steps: [{ name: 'hello-0:[server]', status: 'WAITING' }] },
        { name: 'world-deploy', strategy: 'serial-canary', status: 'WAITING', steps: [{ name: 'world-0:[server]', status: 'WAITING' }, { name: 'world-1:[server]', status: 'WAITING' }] },
      ],
    });
  });

  it('sidecar.yml: custom plans are created interrupted (WAITING), after deploy and recovery', () => {
    const plans = preview('sidecar.yml');
    expect(plans.map((p) => `${p.name} ${p.status}`)).toEqual(['deploy PENDING', 'recovery COMPLETE', 'sidecar WAITING', 'sidecar-parameterized WAITING', 'sidecar-toxic WAITING']);
    expect(plans[3].phases[0].steps.map((s) => s.name)).toEqual(['hello-0:[sidecar-parameterized]', 'hello-1:[sidecar-parameterized]']);
  });

  it('options change what is generated: hello.count 3', () => {
    const plans = previewPlans(previewSpec({ path: example('svc.yml'), packageDir: UNIVERSE, options: { hello: { count: 3 } }, env: EXTRA_ENV['svc.yml'] }));
    expect(plans[0].phases[0].steps.map((s) => s.name)).toEqual(['hello-0:[server]', 'hello-1:[server]', 'hello-2:[server]']);
  });

  it('shows the typed deltas of the install: every pod instance CREATE, in the JSON next to the plans', () => {
    const spec = previewSpec({ path: example('svc.yml'), packageDir: UNIVERSE, options: { hello: { count: 2 } }, env: EXTRA_ENV['svc.yml'] });
    const json = previewJson(previewPlans(spec), previewDeltas(spec));
    expect(json.deltas.map((d) => `${d.podInstance}:${d.operation}`)).toEqual(['hello-0:CREATE', 'hello-1:CREATE', 'world-0:CREATE', 'world-1:CREATE']);
    expect(json.deltas[0]).toMatchObject({ before: null, after: { type: 'hello' }, tasks: [{ task: 'server', operation: 'CREATE', before: null }] });
  });

  it('a package that does not render fails naming every problem', () => {
    expect(() => previewSpec({ path: example('svc.yml'), packageDir: UNIVERSE, options: { hello: { count: 'many' } }, env: {} })).toThrow(/does not render to a valid service:\n {2}\/hello\/count: /);
  });
});
