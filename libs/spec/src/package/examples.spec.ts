import Ajv from 'ajv';
import { ServiceSpecSchema, type ServiceSpec } from '@marshal/contracts';
import { helloWorldPackage, listFixtures, readEnvFile, readFixture, specOf } from '../../fixtures/fixtures';
import { diffSpecs } from '../diff/diff-specs';
import { renderServiceYaml } from '../render/render-service-yaml';
import { validateConfiguration } from '../validate/config-validators';
import { renderPackage } from './render-package';

/** What the services put in events must match the contract's schema. */
const matchesContract = new Ajv({ strict: false }).compile(ServiceSpecSchema);
function expectContractShape(spec: ServiceSpec): void {
  matchesContract(spec);
  expect(matchesContract.errors ?? []).toEqual([]);
}

/** reference §9.12 "All dist YAMLs build": the extra env some examples need. */
const EXTRA_ENV: Record<string, Record<string, string>> = {
  'secrets.yml': {
    HELLO_SECRET1: 'hello-world/secret1',
    HELLO_SECRET2: 'hello-world/secret2',
    WORLD_SECRET1: 'hello-world/secret1',
    WORLD_SECRET2: 'hello-world/secret2',
    WORLD_SECRET3: 'hello-world/secret3',
  },
  'custom_steps.yml': { DEPLOY_STRATEGY: 'serial', DEPLOY_STEPS: '[[first, second, third]]' },
  'profile-mount-volume.yml': { HELLO_VOLUME_PROFILE: 'xfs' },
  'pod-profile-mount-volume.yml': { HELLO_VOLUME_PROFILE: 'xfs' },
  'svc.yml': { HELLO_LABELS: 'label1:label-value1' },
};

describe('every helloworld example renders and validates with the universe package (reference §8.1, §9.12)', () => {
  it.each(listFixtures('helloworld'))('%s', (name) => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', name)), { env: EXTRA_ENV[name] ?? {} });
    expect(r.errors).toEqual([]);
    expect(validateConfiguration(null, specOf(r), { deploymentCompleted: false })).toEqual([]);
    expectContractShape(specOf(r));
  });

  it('svc.yml with HELLO_LABELS=label1:label-value1 gets the task label', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'svc.yml')), { env: EXTRA_ENV['svc.yml'] });
    expect(specOf(r).pods[0].tasks[0].labels).toEqual({ label1: 'label-value1' });
  });

  it('custom_steps.yml takes its phase strategy and step list from the env', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'custom_steps.yml')), {
      env: { DEPLOY_STRATEGY: 'parallel', DEPLOY_STEPS: '[[first], [second, third]]' },
    });
    const [phase] = specOf(r).plans[0].phases;
    expect(phase.strategy).toBe('parallel');
    expect(phase.steps).toEqual([{ key: 'default', tasks: [['first'], ['second', 'third']] }]);
  });

  it('custom_steps.yml with unknown tasks [[foo, bar]] is rejected (the scheduler start failed)', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'custom_steps.yml')), {
      env: { DEPLOY_STRATEGY: 'serial', DEPLOY_STEPS: '[[foo, bar]]' },
    });
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual([
      { path: 'plans.deploy.phases.deploy.steps[0].default[0]', message: expect.stringContaining('Malformed step: step refers to a task that does not exist: [foo, bar]') },
    ]);
  });

  it('secrets.yml: env-key and file combinations', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'secrets.yml')), { env: EXTRA_ENV['secrets.yml'] });
    const secrets = specOf(r).pods[0].secrets;
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(s.envKey !== undefined || s.file !== undefined).toBe(true);
  });

  it('gpu_resource.yml ignores the legacy pod-level container: block', () => {
    const r = renderPackage(helloWorldPackage(readFixture('helloworld', 'gpu_resource.yml')));
    expect(specOf(r).pods[0].resourceSets[0].gpus).toBe(1);
  });
});

/** Config templates the framework YAMLs reference, with stand-in content. */
function templates(yaml: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const m of yaml.matchAll(/template: *(\S+)/g)) files[m[1]] = `# template ${m[1]}\n`;
  return files;
}

describe('frameworks render and validate with their env files', () => {
  it.each([
    ['cassandra-svc.yml', 'cassandra.env', ['deploy', 'replace', 'repair', 'cleanup', 'backup-s3', 'restore-s3', 'backup-azure', 'restore-azure']],
    ['kafka-svc.yml', 'kafka.env', ['deploy']],
  ])('%s with %s', (file, envFile, plans) => {
    const yaml = readFixture('frameworks', file);
    const env = readEnvFile(envFile);
    const files = templates(yaml.replace(/\{\{CASSANDRA_HEAP_GC\}\}/g, env['CASSANDRA_HEAP_GC'] ?? ''));
    const r = renderServiceYaml(yaml, env, { files, strict: false });
    expect(r.errors).toEqual([]);
    const spec = specOf(r);
    expect(spec.plans.map((p) => p.name)).toEqual(plans);
    expect(validateConfiguration(null, spec, { deploymentCompleted: false })).toEqual([]);
    expectContractShape(spec);
  });

  it('cassandra: node pod with two resource sets, keyspace phase only for instance 0, templates read from the package', () => {
    const yaml = readFixture('frameworks', 'cassandra-svc.yml');
    const env = readEnvFile('cassandra.env');
    const spec = specOf(renderServiceYaml(yaml, env, { files: templates(yaml.replace(/\{\{CASSANDRA_HEAP_GC\}\}/g, 'CMS')) }));
    const node = spec.pods[0];
    expect(node.type).toBe('node');
    expect(node.count).toBe(3);
    expect(node.resourceSets.map((r) => r.id)).toEqual(expect.arrayContaining(['server-resources', 'sidecar-resources']));
    const keyspace = spec.plans[0].phases.find((p) => p.name === 'keyspace-deploy');
    expect(keyspace?.steps).toEqual([
      { key: '0', tasks: [['init_system_keyspaces']] },
      { key: 'default', tasks: [] },
    ]);
    const server = node.tasks.find((t) => t.name === 'server');
    expect(server?.configs.map((c) => c.templatePath)).toContain('jvm_CMS.options');
    expect(server?.env['CASSANDRA_CLUSTER_NAME']).toBe('cassandra');
  });
});

describe('an update of the helloworld service (reference §3.8, §9.12)', () => {
  const pkg = helloWorldPackage(readFixture('helloworld', 'svc.yml'));
  const installed = renderPackage(pkg);
  const target = specOf(installed);

  it('scaling world out is accepted and shows a readable diff', () => {
    const update = renderPackage(pkg, { storedOptions: installed.resolvedOptions, options: { world: { count: 3 } } });
    const next = specOf(update);
    expect(validateConfiguration(target, next, { deploymentCompleted: true })).toEqual([]);
    expect(diffSpecs(target, next)).toContain('@@ -68,5 +68,5 @@ pods.world.count\n');
    expect(diffSpecs(target, next)).toContain('-      "count": 2,\n+      "count": 3,');
  });

  it('scaling hello in to 0 is rejected: hello does not allow decommission', () => {
    const next = specOf(renderPackage(pkg, { storedOptions: installed.resolvedOptions, options: { hello: { count: 0 } } }));
    expect(validateConfiguration(target, next, { deploymentCompleted: true })).toEqual([
      { path: 'pods.hello.count', message: "New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks" },
    ]);
  });

  it('scaling world in is accepted: world allows decommission', () => {
    const next = specOf(renderPackage(pkg, { storedOptions: installed.resolvedOptions, options: { world: { count: 0 } } }));
    expect(validateConfiguration(target, next, { deploymentCompleted: true })).toEqual([]);
  });

  it('changing the service user is rejected for the service and each pod', () => {
    const next = specOf(renderPackage(pkg, { storedOptions: installed.resolvedOptions, options: { service: { user: 'root' } } }));
    expect(validateConfiguration(target, next, { deploymentCompleted: true }).map((e) => e.path)).toEqual([
      'scheduler.user',
      'pods.hello.user',
      'pods.world.user',
    ]);
  });

  it('changing a volume size is rejected (volumes cannot change)', () => {
    const next = specOf(renderPackage(pkg, { storedOptions: installed.resolvedOptions, options: { hello: { disk: 50 } } }));
    expect(validateConfiguration(target, next, { deploymentCompleted: true })).toEqual([
      { path: 'pods.hello.tasks.server.volumes', message: expect.stringContaining('Volumes must be equal.') },
    ]);
  });
});
