import { listFixtures, readFixture, specOf } from '../../fixtures/fixtures';
import { renderServiceYaml } from '../render/render-service-yaml';
import { validateConfiguration } from '../validate/config-validators';
import type { ValidationError } from '../validation-error';

/** The original's test reader returned these for the fixtures' config templates (DefaultServiceSpecTest). */
const TEMPLATES = {
  'config-one.conf.mustache': 'hello',
  'config-two.xml.mustache': 'hey',
  'config-three.conf.mustache': 'hi',
};

/** Render a fixture, then run the validators a first install runs: all errors of both stages. */
function validate(name: string, env: Record<string, string> = {}): { errors: ValidationError[]; result: ReturnType<typeof renderServiceYaml> } {
  const result = renderServiceYaml(readFixture('sdk-fixtures', name), env, { files: TEMPLATES, fileName: name });
  const errors = result.spec ? validateConfiguration(null, result.spec, { deploymentCompleted: false }) : result.errors;
  return { errors, result };
}

describe('SDK fixtures (reference §8.4, §9.7)', () => {
  const valid = listFixtures('sdk-fixtures', (f) => f.startsWith('valid-') && f !== 'valid-exhaustive.yml');

  it.each(valid)('%s validates', (name) => {
    expect(validate(name).errors).toEqual([]);
  });

  it('valid-exhaustive.yml validates, except for its plans, which name pods the file does not declare', () => {
    // The original only parsed this file (DefaultServiceSpecTest never built its YAML plans); a scheduler using
    // them would fail with "Unable to find pod". Marshal checks plans when the configuration is submitted.
    const { errors } = validate('valid-exhaustive.yml');
    expect(errors).toEqual([
      { path: 'plans.deploy.phases.journal-deploy.pod', message: "Unable to find pod 'journal' referenced by phase 'journal-deploy'" },
      { path: 'plans.deploy.phases.nn-deploy.pod', message: "Unable to find pod 'nn' referenced by phase 'nn-deploy'" },
      { path: 'plans.deploy.phases.dn-deploy.pod', message: "Unable to find pod 'dn' referenced by phase 'dn-deploy'" },
    ]);
    const withoutPlans = readFixture('sdk-fixtures', 'valid-exhaustive.yml').replace(/\nplans:[\s\S]*$/, '\n');
    const r = renderServiceYaml(withoutPlans, {}, { files: TEMPLATES });
    expect(validateConfiguration(null, specOf(r), { deploymentCompleted: false })).toEqual([]);
    const spec = specOf(r);
    expect(spec.principal).toBe('some-other-principal');
    expect(spec.zookeeper).toBe('non-default-zk:2181');
    expect(spec.pods.map((p) => p.type)).toEqual(['meta-data', 'data-store']);
  });

  const invalid: Array<[string, string]> = [
    ['invalid-config-file.yml', "Config template file 'file-doesnt-exist.conf.mustache' was not found"],
    ['invalid-duplicate-count.yml', "Duplicate field 'count'"],
    ['invalid-duplicate-port-names.yml', 'Service has duplicate advertised ports across tasks: [across-pods, across-tasks, in-resource-set]'],
    ['invalid-image-null.yml', 'image cannot be empty'],
    ['invalid-network-labels-blank.yml', 'Illegal label string'],
    ['invalid-network.yml', "Virtual Network dcos doesn't support container->host port mapping"],
    ['invalid-plan-steps.yml', "Malformed steps in phase 'hello-deploy': Duplicate key '0'"],
    [
      'invalid-resource-limits-in-resource-set.yml',
      "The cpus resource-limits for task 'meta-data-task', 0.5, is less than the requested amount, 1",
    ],
    ['invalid-resource-set-name.yml', "Duplicate field 'data-store-resources'"],
    ['invalid-scalar-cpu-resource.yml', 'Scalar resource value must be greater than zero'],
    ['invalid-scalar-disk-resource.yml', 'Scalar resource value must be greater than zero'],
    ['invalid-seccomp-info.yml', 'cannot specify seccomp-unconfined and seccomp-profile-name at the same time'],
    ['invalid-share-parent-pod.yml', 'Cannot specify SHARE_PARENT at pod level'],
    ['invalid-task-dns.yml', 'Tasks in different pods cannot share DNS names: [meta-data]'],
    ['invalid-task-kill-grace-period-seconds.yml', 'taskKillGracePeriodSeconds cannot be less than 0'],
    ['invalid-task-labels-format.yml', 'Illegal label string, got label1,label1-value'],
    ['invalid-task-name.yml', "Duplicate field 'meta-data-task'"],
    ['invalid-vip-port-name-collision.yml', "Provided VIP prefix 'http' in port 'http-other' conflicts with other port also named 'http'"],
    ['invalid-volume-and-volumes.yml', "Both 'volume' and 'volumes' may not be specified at the same time"],
  ];

  it('covers every invalid-* fixture', () => {
    expect(invalid.map(([f]) => f).sort()).toEqual(listFixtures('sdk-fixtures', (f) => f.startsWith('invalid-')));
  });

  it.each(invalid)('%s fails: %s', (name, reason) => {
    const { errors } = validate(name);
    expect(errors.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringContaining(reason)]));
  });

  it.each([
    ['invalid-duplicate-count.yml', 'pods.pod-type.count'],
    ['invalid-volume-and-volumes.yml', 'pods.pod-type.tasks.meta-data-task'],
    ['invalid-task-kill-grace-period-seconds.yml', 'pods.pod-type.tasks.meta-data-task.kill-grace-period'],
    ['invalid-scalar-cpu-resource.yml', 'pods.pod-type.tasks.meta-data-task.cpus'],
    ['invalid-share-parent-pod.yml', 'pods.meta-data.ipc-mode'],
  ])('%s names the YAML path %s', (name, path) => {
    expect(validate(name).errors.map((e) => e.path)).toContain(path);
  });

  it.each(['ranges.yml', 'readiness-check.yml', 'resource-refinement.yml', 'resource-set-seq.yml', 'seccomp-unconfined.yml', 'shared-resource-set.yml'])(
    '%s (a plan/offer test input) validates',
    (name) => {
      expect(validate(name, { HELLO_CPUS: '1' }).errors).toEqual([]);
    },
  );

  it('valid-minimal.yml: kill-grace-period defaults to 0 and ZooKeeper to master.mesos:2181', () => {
    const spec = specOf(validate('valid-minimal.yml').result);
    expect(spec.zookeeper).toBe('master.mesos:2181');
    expect(spec.pods[0].tasks[0].killGracePeriod).toBe(0);
  });

  it('valid-customzk.yml: ZooKeeper custom.master.mesos:2181', () => {
    expect(specOf(validate('valid-customzk.yml').result).zookeeper).toBe('custom.master.mesos:2181');
  });

  it('valid-task-kill-grace-period-seconds.yml: kill-grace-period 15', () => {
    expect(specOf(validate('valid-task-kill-grace-period-seconds.yml').result).pods[0].tasks[0].killGracePeriod).toBe(15);
  });

  it('valid-image.yml keeps the image; valid-network.yml the overlay network', () => {
    expect(specOf(validate('valid-image.yml').result).pods[0].image).toBe('group/image');
    expect(specOf(validate('valid-network.yml').result).pods[0].networks.map((n) => n.name)).toEqual(['dcos']);
  });

  it('valid-external-volume.yml: Docker volume with driver options kept as written', () => {
    const [vol] = specOf(validate('valid-external-volume.yml').result).pods[0].externalVolumes;
    expect(vol).toEqual({
      name: 'first-volume',
      type: 'DOCKER',
      containerPath: 'external-volume-etc',
      driverName: 'pxd',
      driverOptions: 'shared=true;size=10;',
      volumeName: 'external-volume-name',
      volumeMode: 'RO',
    });
  });

  it('ranges.yml: a dynamic port with ranges; missing end means 65535', () => {
    const ports = specOf(validate('ranges.yml').result).pods.flatMap((p) => p.resourceSets.flatMap((r) => r.ports));
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) for (const r of port.ranges) expect(r.begin).toBeLessThanOrEqual(r.end);
  });

  it('readiness-check.yml: the readiness check command is kept', () => {
    const task = specOf(validate('readiness-check.yml').result).pods[0].tasks[0];
    expect(task.readinessCheck?.cmd).toBe('./readiness-check');
  });

  it('custom-phases.yml parses into the phases and step lists of §3.2', () => {
    const spec = specOf(validate('custom-phases.yml', { HELLO_CPUS: '1' }).result);
    const [deploy] = spec.plans;
    expect(deploy.name).toBe('deploy');
    expect(deploy.strategy).toBe('serial');
    expect(deploy.phases.map((p) => [p.name, p.strategy, p.pod])).toEqual([
      ['server', 'parallel', 'hello'],
      ['once', 'parallel', 'hello'],
      ['interleave', 'serial', 'hello'],
      ['parallel-tasks', 'serial', 'hello'],
      ['parallel-strategy', 'parallel', 'hello'],
      ['parallel-pods', 'parallel', 'hello'],
      ['full-custom', 'serial', 'hello'],
      ['partial-custom', 'serial', 'hello'],
    ]);
    const steps = Object.fromEntries(deploy.phases.map((p) => [p.name, p.steps]));
    expect(steps['interleave']).toEqual([{ key: 'default', tasks: [['once'], ['server']] }]);
    expect(steps['parallel-tasks']).toEqual([{ key: 'default', tasks: [['once', 'server']] }]);
    expect(steps['full-custom']).toEqual([
      { key: '0', tasks: [['once'], ['server']] },
      { key: '1', tasks: [['server'], ['once']] },
      { key: '2', tasks: [['server']] },
    ]);
    expect(steps['partial-custom']).toEqual([
      { key: '1', tasks: [['once'], ['server']] },
      { key: 'default', tasks: [['server'], ['once']] },
    ]);
    expect(spec.pods[0].count).toBe(3);
  });
});
