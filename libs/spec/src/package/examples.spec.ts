import { helloWorldPackage, listFixtures, readEnvFile, readFixture, specOf } from '../../fixtures/fixtures';
import { renderServiceYaml } from '../render/render-service-yaml';
import { validateConfiguration } from '../validate/config-validators';
import { renderPackage } from './render-package';

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
