import type { NetworkSpec, PodSpec, ServiceSpec, VolumeSpec } from '@marshal/contracts';
import { makePod, makeSpec } from '../../fixtures/fixtures';
import {
  placementRuleIsValid,
  podSpecsCannotChangeNetworkRegime,
  podSpecsCannotShrink,
  preReservationCannotChange,
  regionCannotChange,
  resourceLimitsMustExceedRequestedResources,
  serviceNameCannotBreakDNS,
  serviceNameCannotContainDoubleUnderscores,
  taskEnvCannotChange,
  taskVolumesCannotChange,
  userCannotChange,
  validateConfiguration,
  zoneCannotChange,
  type ConfigValidator,
} from './config-validators';

/** `v(old, new)` of §9.8: the number of errors. */
const count = (validator: ConfigValidator, old: ServiceSpec | null, next: ServiceSpec) => validator(old, next).length;

describe('9.8 PodSpecsCannotShrink', () => {
  const A1 = makePod('A', { count: 1 });
  const A100 = makePod('A', { count: 100 });
  const B1 = makePod('B1', { taskNames: ['x', 'y'] });
  const B2 = makePod('B2', { taskNames: ['x', 'y'] });
  const v = (old: PodSpec[], next: PodSpec[]) => count(podSpecsCannotShrink, makeSpec(old), makeSpec(next));

  it.each([
    ['same pods [A] → [A]', [A1], [A1], 0],
    ['same pods [A, B] → [A, B]', [A1, B1], [A1, B1], 0],
    ['adding pod B: [A] → [A, B]', [A1], [A1, B1], 0],
    ['removing pod B: [A, B] → [A]', [A1, B1], [A1], 1],
    ['removing pod B with allow-decommission on the old B', [A1, { ...B1, allowDecommission: true }], [A1], 0],
    ['renaming B1 → B2', [A1, B1], [A1, B2], 1],
    ['renaming B2 → B1', [A1, B2], [A1, B1], 1],
    ['renaming B1 (allow-decommission) → B2', [A1, { ...B1, allowDecommission: true }], [A1, B2], 0],
    ['renaming B2 → B1 (allow-decommission on the new pod only)', [A1, B2], [A1, { ...B1, allowDecommission: true }], 1],
    ['count 100 → 1', [A100], [A1], 1],
    ['count 100 → 1, allow-decommission on the old pod only', [{ ...A100, allowDecommission: true }], [A1], 1],
    ['count 100 → 1, allow-decommission on the new pod', [A100], [{ ...A1, allowDecommission: true }], 0],
    ['count 1 → 100', [A1], [A100], 0],
  ])('%s → %i errors', (_name, old, next, errors) => {
    expect(v(old as PodSpec[], next as PodSpec[])).toBe(errors);
  });

  it('reports the original messages', () => {
    expect(podSpecsCannotShrink(makeSpec([A100, B1]), makeSpec([A1]))).toEqual([
      { path: 'pods.A.count', message: "New config's PodSpec named 'A' has 1 tasks, expected >=100 tasks" },
      { path: 'pods.B1', message: "New config is missing PodSpec named 'B1' (expected present with >= 1 tasks)" },
    ]);
  });

  it('is silent on first install', () => {
    expect(count(podSpecsCannotShrink, null, makeSpec([A1]))).toBe(0);
  });
});

describe('9.8 PodSpecsCannotChangeNetworkRegime', () => {
  const net = (name: string): NetworkSpec => ({ name, hostPorts: [], containerPorts: [], labels: {} });
  const regime: Record<string, NetworkSpec[]> = { host: [], overlay: [net('dcos')], bridge: [net('mesos-bridge')] };
  const spec = (r: string) => makeSpec([makePod('a', { networks: regime[r] }), makePod('b', { networks: regime[r] })]);

  it.each([
    ['overlay', 'overlay', 0],
    ['host', 'host', 0],
    ['bridge', 'bridge', 0],
    ['host', 'overlay', 2],
    ['overlay', 'host', 2],
    ['bridge', 'overlay', 2],
    ['overlay', 'bridge', 2],
    ['bridge', 'host', 0],
    ['host', 'bridge', 0],
  ])('%s → %s: %i errors', (from, to, errors) => {
    expect(count(podSpecsCannotChangeNetworkRegime, spec(from), spec(to))).toBe(errors);
  });

  it('rejects port mappings on a network without port mapping', () => {
    const bad = makeSpec([makePod('a', { networks: [{ ...net('dcos'), hostPorts: [80], containerPorts: [8080] }] })]);
    expect(podSpecsCannotChangeNetworkRegime(spec('overlay'), bad)).toEqual([
      { path: 'pods.a.networks', message: 'New config has pod a that indicates port mapping for virtual network(s) dcos, that do not support port mapping.' },
    ]);
  });
});

describe('9.8 ServiceNameCannotBreakDNS', () => {
  const v = (name: string, old: ServiceSpec | null) => count(serviceNameCannotBreakDNS, old, makeSpec([makePod('a')], { name }));
  const previous = makeSpec([makePod('a')]);
  it.each([
    ['i/am/a/short/name', null, 0],
    [`/${'a'.repeat(30)}/${'b'.repeat(33)}`, null, 0],
    [`${'a'.repeat(64)}`, null, 1],
    [`/${'a'.repeat(30)}/${'b'.repeat(34)}`, null, 1],
    [`${'a'.repeat(64)}`, previous, 0],
  ])('%s (previous: %p) → %i', (name, old, errors) => {
    expect(v(name, old)).toBe(errors);
  });
});

describe('9.8 ServiceNameCannotContainDoubleUnderscores', () => {
  it.each([
    ['a___b', 1],
    ['a__b', 1],
    ['__', 1],
    ['a_b', 0],
    ['ab', 0],
  ])('%s → %i', (name, errors) => {
    expect(count(serviceNameCannotContainDoubleUnderscores, null, makeSpec([makePod('a')], { name }))).toBe(errors);
  });
});

describe('9.8 RegionCannotChange', () => {
  const withRegion = (region?: string) => makeSpec([makePod('a')], region === undefined ? {} : { region });
  it.each([
    ['same region', 'us-east', 'us-east', 0],
    ['different region', 'us-east', 'us-west', 1],
    ['old unset, new set', undefined, 'us-west', 1],
    ['neither set', undefined, undefined, 0],
  ])('%s → %i', (_name, from, to, errors) => {
    expect(count(regionCannotChange, withRegion(from), withRegion(to))).toBe(errors);
  });
});

describe('9.8 UserCannotChange', () => {
  const spec = (serviceUser: string, podUsers: string[]) =>
    makeSpec(podUsers.map((u, i) => makePod(`pod${i}`, { user: u })), { user: serviceUser });
  it.each([
    ['the service user and its only pod change together', spec('root', ['root']), spec('nobody', ['nobody']), 2],
    ['three pods change user', spec('a', ['a', 'a', 'a']), spec('a', ['b', 'b', 'b']), 3],
    ['service user A → B with pods unchanged', spec('A', ['x']), spec('B', ['x']), 1],
    ['nothing changes', spec('A', ['x', 'y']), spec('A', ['x', 'y']), 0],
    ['new extra pods with another user', spec('A', ['A']), spec('A', ['A', 'other']), 0],
  ])('%s → %i', (_name, old, next, errors) => {
    expect(count(userCannotChange, old, next)).toBe(errors);
  });

  it("a non-root pod user over pods that defaulted to root: message contains 'Cannot change existing pod type user'", () => {
    const errors = userCannotChange(spec('root', ['root']), spec('root', ['nobody']));
    expect(errors).toEqual([{ path: 'pods.pod0.user', message: expect.stringContaining("Cannot change existing pod type user from 'root' to 'nobody'") }]);
  });
});

describe('9.8 TaskVolumesCannotChange', () => {
  const vol = (path: string, size = 10, type: VolumeSpec['type'] = 'ROOT'): VolumeSpec => ({ path, type, size, profiles: [] });
  const variants: VolumeSpec[][] = [[vol('data')], [vol('data', 20)], [vol('data'), vol('logs', 5, 'MOUNT')]];
  const spec = (volumes: VolumeSpec[]) => makeSpec([makePod('pod', { taskVolumes: { task: volumes } })]);

  it.each([
    [0, 1],
    [1, 0],
    [0, 2],
    [2, 0],
    [1, 2],
    [2, 1],
  ])('variant %i → variant %i: 1 error', (from, to) => {
    expect(count(taskVolumesCannotChange, spec(variants[from]), spec(variants[to]))).toBe(1);
  });

  it('same volumes in another order: no error', () => {
    expect(count(taskVolumesCannotChange, spec([vol('a'), vol('b')]), spec([vol('b'), vol('a')]))).toBe(0);
  });

  it('a spec with a duplicated <pod>-<task> key → 2 errors (once per side)', () => {
    const dup = makeSpec([makePod('a-b', { taskNames: ['c'] }), makePod('a', { taskNames: ['b-c'] })]);
    expect(count(taskVolumesCannotChange, dup, dup)).toBe(2);
  });
});

describe('9.8 PreReservationCannotChange', () => {
  const spec = (...pods: Array<[string, string]>) => makeSpec(pods.map(([type, role]) => makePod(type, { preReservedRole: role })));
  it.each([
    ['changing the pre-reserved role', spec(['a', 'slave_public']), spec(['a', 'other']), 1],
    ['adding a pre-reserved role', spec(['a', '*']), spec(['a', 'slave_public']), 1],
    ['removing the pre-reserved role', spec(['a', 'slave_public']), spec(['a', '*']), 1],
    ['swapping pod order', spec(['a', 'r1'], ['b', 'r2']), spec(['b', 'r2'], ['a', 'r1']), 0],
    ['replacing a pod type', spec(['a', 'r1']), spec(['b', 'r2']), 0],
    ['removing a pod', spec(['a', 'r1'], ['b', 'r2']), spec(['a', 'r1']), 0],
  ])('%s → %i', (_name, old, next, errors) => {
    expect(count(preReservationCannotChange, old, next)).toBe(errors);
  });
});

describe('9.8 TaskEnvCannotChange (optional)', () => {
  const spec = (value: string | undefined) =>
    makeSpec([{ ...makePod('pod'), tasks: [{ ...makePod('pod').tasks[0], env: value === undefined ? {} : { E: value } }] }]);
  const cases: Array<[string | undefined, string | undefined, number, number, number]> = [
    // from, to, errors without rules, with ALLOW_UNSET_TO_SET, with ALLOW_SET_TO_UNSET
    [undefined, '', 0, 0, 0],
    ['', undefined, 0, 0, 0],
    [undefined, 'v', 1, 0, 1],
    ['', 'v', 1, 0, 1],
    ['v', undefined, 1, 1, 0],
    ['v', '', 1, 1, 0],
    ['v', 'w', 1, 1, 1],
    ['v', 'v', 0, 0, 0],
  ];
  it.each(cases)('%p → %p: %i / unset-to-set %i / set-to-unset %i', (from, to, plain, unsetToSet, setToUnset) => {
    expect(count(taskEnvCannotChange('pod', 'task', 'E'), spec(from), spec(to))).toBe(plain);
    expect(count(taskEnvCannotChange('pod', 'task', 'E', ['ALLOW_UNSET_TO_SET']), spec(from), spec(to))).toBe(unsetToSet);
    expect(count(taskEnvCannotChange('pod', 'task', 'E', ['ALLOW_SET_TO_UNSET']), spec(from), spec(to))).toBe(setToUnset);
  });
});

describe('ZoneValidator (optional)', () => {
  const spec = (placement?: string) => makeSpec([makePod('node', placement === undefined ? {} : { placement })]);
  it.each([
    [undefined, '[["@zone", "GROUP_BY", "3"]]', 1],
    ['[["@zone", "GROUP_BY", "3"]]', '[["hostname", "UNIQUE"]]', 1],
    ['[["@zone", "GROUP_BY", "3"]]', '[["@zone", "GROUP_BY", "2"]]', 0],
    ['[["hostname", "UNIQUE"]]', undefined, 0],
  ])('%p → %p: %i', (from, to, errors) => {
    expect(count(zoneCannotChange('node'), spec(from), spec(to))).toBe(errors);
  });
});

describe('ResourceLimitsMustExceedRequestedResources', () => {
  const spec = (limits: Record<string, number | 'unlimited'>) => {
    const pod = makePod('pod');
    pod.resourceSets[0] = { ...pod.resourceSets[0], cpus: 1, memory: 1024, resourceLimits: limits };
    return makeSpec([pod]);
  };
  it.each([
    [{ cpus: 0.5 }, ["The cpus resource-limits for task 'task', 0.5, is less than the requested amount, 1"]],
    [{ memory: 512 }, ["The mem resource-limits for task 'task', 512, is less than the requested amount, 1024"]],
    [{ cpus: 'unlimited' as const, memory: 'unlimited' as const }, []],
    [{ cpus: 1, memory: 2048 }, []],
  ])('%j', (limits, messages) => {
    expect(resourceLimitsMustExceedRequestedResources(null, spec(limits)).map((e) => e.message)).toEqual(messages);
  });
});

describe('PlacementRuleIsValid (syntax is the offer lib’s)', () => {
  it('accepts any placement string and none', () => {
    expect(count(placementRuleIsValid, null, makeSpec([makePod('a', { placement: '[["hostname", "UNIQUE"]]' }), makePod('b')]))).toBe(0);
  });
  it('rejects a placement that is not a string', () => {
    expect(count(placementRuleIsValid, null, makeSpec([makePod('a', { placement: 42 as unknown as string })]))).toBe(1);
  });
});

describe('validateConfiguration', () => {
  const base = makeSpec([makePod('hello', { taskVolumes: { task: [{ path: 'data', type: 'ROOT', size: 10, profiles: [] }] } })]);

  it('9.8 ConfigurationUpdater: an identical config gives no errors', () => {
    expect(validateConfiguration(base, structuredClone(base), { deploymentCompleted: true })).toEqual([]);
  });

  it('first install: no previous target, single-spec checks still apply', () => {
    const bad = makeSpec([makePod('a')], { name: 'bad__name' });
    bad.pods[0].count = -1;
    expect(validateConfiguration(null, bad, { deploymentCompleted: false })).toEqual([
      { path: 'pods.a.count', message: 'count cannot be less than 0, got -1' },
      { path: 'name', message: 'Service name may not contain double underscores: bad__name' },
    ]);
  });

  it('9.12 shrink not allowed: hello count 1 → 0 is rejected with the original text', () => {
    const next = structuredClone(base);
    next.pods[0].count = 0;
    expect(validateConfiguration(base, next, { deploymentCompleted: true })).toEqual([
      { path: 'pods.hello.count', message: "New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks" },
    ]);
  });

  it('role unchanged: volumes cannot change', () => {
    const next = structuredClone(base);
    next.pods[0].resourceSets[0].volumes[0].size = 20;
    expect(validateConfiguration(base, next, { deploymentCompleted: true })).toEqual([
      { path: 'pods.hello.tasks.task.volumes', message: expect.stringMatching(/^Volumes must be equal\./) },
    ]);
  });

  it('role changed on an incomplete deployment is rejected; once completed it is a role migration', () => {
    const next = { ...structuredClone(base), role: 'new-role' };
    next.pods[0].resourceSets[0].volumes[0].size = 20;
    expect(validateConfiguration(base, next, { deploymentCompleted: false })).toEqual([
      { path: 'role', message: expect.stringContaining('Detected service role change on an incomplete previous deployment') },
    ]);
    // reference §4.8: role migration drops the volume check too.
    expect(validateConfiguration(base, next, { deploymentCompleted: true })).toEqual([]);
  });

  it('runs extra validators after the default ones', () => {
    const withEnv = structuredClone(base);
    withEnv.pods[0].tasks[0].env = { E: 'x' };
    expect(validateConfiguration(base, withEnv, { deploymentCompleted: true, extraValidators: [taskEnvCannotChange('hello', 'task', 'E')] })).toEqual([
      { path: 'pods.hello.tasks.task.env.E', message: 'Env value E cannot change from unset to set' },
    ]);
  });
});
