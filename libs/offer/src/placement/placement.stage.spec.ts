import { anyMatcher, evaluatePlacement, exactMatcher, placementRuleOf, regexMatcher, type PlacementRule } from '..';
import { pod, World } from '../../test/fixtures';

/** Evaluates a rule (or a Marathon string for the pod type) for pod instance `<podType>-<podIndex>` on one agent. */
function check(w: World, rule: PlacementRule | string, podType: string, podIndex: number, agentId: string) {
  const r = typeof rule === 'string' ? (placementRuleOf(rule, podType) as PlacementRule) : rule;
  return evaluatePlacement({ rule: r, ledger: w.ledger, service: w.service, podType, podIndex, servicePods: w.pods }, agentId);
}

const passes = (w: World, rule: PlacementRule | string, podType: string, podIndex: number, agentId: string): boolean =>
  check(w, rule, podType, podIndex, agentId).pass;

function hosts(...names: string[]): World {
  const w = new World()
    .addPod(pod('hello'))
    .addPod(pod('world'))
    .addPod(pod('ignored'))
    .addPod(pod('hello-x'))
    .addPod(pod('multi', { tasks: [{ name: 'a', cpus: 1 }, { name: 'b', cpus: 1 }] }));
  for (const n of names) w.register(n, { hostname: n });
  return w;
}

describe('MaxPer rules (reference §5.4 "MaxPer algorithm")', () => {
  it('hostname:UNIQUE rejects a host holding another instance and explains who is there', () => {
    const w = hosts('h1', 'h2');
    w.reserveOn('h1', 'hello', 0);
    expect(check(w, 'hostname:UNIQUE', 'hello', 1, 'h1')).toEqual({
      pass: false,
      reasons: ['FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-0 already on host h1'],
    });
    expect(check(w, 'hostname:UNIQUE', 'hello', 1, 'h2')).toEqual({
      pass: true,
      reasons: ["PASS(MaxPerHostnameRule): hostname:UNIQUE: Fewer than 1 tasks matching filter 'RegexMatcher{pattern='hello-.*'}' are present on host h2"],
    });
  });

  it.each([
    ['a pod instance never counts itself', [['h1', 'hello', 0]], 'hostname:UNIQUE', 'hello', 0, true],
    ['MAX_PER:2 with one other instance on the host passes', [['h1', 'hello', 0]], 'hostname:MAX_PER:2', 'hello', 1, true],
    ['MAX_PER:2 with two other instances on the host fails', [['h1', 'hello', 0], ['h1', 'hello', 2]], 'hostname:MAX_PER:2', 'hello', 1, false],
    ['MAX_PER:2 ignoring itself among two on the host passes', [['h1', 'hello', 0], ['h1', 'hello', 1]], 'hostname:MAX_PER:2', 'hello', 1, true],
    ['tasks of other pod types do not count', [['h1', 'world', 0], ['h1', 'ignored', 0]], 'hostname:UNIQUE', 'hello', 0, true],
    ['a two-task pod instance counts as two tasks', [['h1', 'multi', 0]], 'hostname:MAX_PER:2', 'multi', 1, false],
    ['a two-task pod instance fits MAX_PER:3', [['h1', 'multi', 0]], 'hostname:MAX_PER:3', 'multi', 1, true],
    ['the filter hello-.* also counts pod type hello-x (prefix match)', [['h1', 'hello-x', 0]], 'hostname:UNIQUE', 'hello', 0, false],
    ['an instance of a pod type missing from the spec counts as one task', [['h1', 'hello', 7]], 'hostname:UNIQUE', 'hello', 0, false],
  ] as const)('%s', (_name, stored, constraint, podType, podIndex, expected) => {
    const w = hosts('h1');
    for (const [agent, type, index] of stored) w.reserveOn(agent, type, index);
    if (_name.includes('missing from the spec')) w.pods.delete('hello');
    expect(passes(w, constraint, podType, podIndex, 'h1')).toBe(expected);
  });

  it('a filter longer than the pod type counts instance by instance', () => {
    // Pod type `a-1` filters `a-1-.*`, which matches pod `a` index 1 (`a-1-server`) but not index 10 (`a-10-server`).
    const w = hosts('h1', 'h2').addPod(pod('a')).addPod(pod('a-1'));
    w.reserveOn('h1', 'a', 1);
    w.reserveOn('h2', 'a', 10);
    expect(passes(w, 'hostname:UNIQUE', 'a-1', 0, 'h1')).toBe(false);
    expect(passes(w, 'hostname:UNIQUE', 'a-1', 0, 'h2')).toBe(true);
  });

  it('a custom task filter is applied task by task, still ignoring this pod instance', () => {
    const w = hosts('h1');
    w.reserveOn('h1', 'hello', 0);
    w.reserveOn('h1', 'hello', 12);
    const rule: PlacementRule = { type: 'MaxPerHostnameRule', max: 1, taskFilter: regexMatcher('hello-[0-9]-server') };
    expect(passes(w, rule, 'hello', 0, 'h1')).toBe(true);
    expect(check(w, rule, 'hello', 3, 'h1').reasons).toEqual(['FAIL(MaxPerHostnameRule): hello-0 already on host h1']);
  });

  it('tasks of other services do not count', () => {
    const w = hosts('h1');
    w.reserveOn('h1', 'hello', 0, 'other-service');
    expect(passes(w, 'hostname:UNIQUE', 'hello', 1, 'h1')).toBe(true);
  });

  it('rack:MAX_PER:1 needs the attribute, then limits each of its values', () => {
    const w = hosts();
    w.register('r1a', { attributes: { rack: 'r1' } }).register('r1b', { attributes: { rack: 'r1' } });
    w.register('r2', { attributes: { rack: 'r2' } }).register('none', { attributes: { other: 'x' } });
    w.reserveOn('r1a', 'hello', 0);
    expect(passes(w, 'rack:MAX_PER:1', 'hello', 1, 'r1b')).toBe(false);
    expect(passes(w, 'rack:MAX_PER:1', 'hello', 1, 'r2')).toBe(true);
    expect(check(w, 'rack:MAX_PER:1', 'hello', 1, 'none').reasons).toEqual([
      'FAIL(AndRule): rack:MAX_PER:1: 1 of 2 rules are passing:',
      "  FAIL(AttributeRule): rack:MAX_PER:1: None of 1 attributes matched pattern: 'RegexMatcher{pattern='rack:.*'}'",
      "  PASS(MaxPerAttributeRule): rack:MAX_PER:1: Fewer than 1 tasks matching filter 'RegexMatcher{pattern='hello-.*'}' are present on this agent",
    ]);
    expect(check(w, 'rack:MAX_PER:1', 'hello', 1, 'r1b').reasons).toContain(
      '  FAIL(MaxPerAttributeRule): rack:MAX_PER:1: hello-0 already on agents with attribute rack:r1',
    );
  });

  it.each([
    ['@zone:UNIQUE fails on an agent without a zone', '@zone:UNIQUE', 'nozone', false, 'FAIL(MaxPerZoneRule): @zone:UNIQUE: Offer does not contain a zone.'],
    ['@zone:UNIQUE fails in a zone holding another instance', '@zone:UNIQUE', 'z1b', false, 'FAIL(MaxPerZoneRule): @zone:UNIQUE: hello-0 already in zone z1'],
    ['@zone:UNIQUE passes in an empty zone', '@zone:UNIQUE', 'z2', true, undefined],
    ['@region:UNIQUE passes on an agent without a region (it has no key)', '@region:UNIQUE', 'nozone', true, undefined],
    ['@region:UNIQUE fails in a region holding another instance', '@region:UNIQUE', 'z2', false, 'FAIL(MaxPerRegionRule): @region:UNIQUE: hello-0 already in region east'],
  ])('%s', (_name, constraint, agent, expected, line) => {
    const w = hosts('nozone');
    w.register('z1a', { zone: 'z1', region: 'east' }).register('z1b', { zone: 'z1', region: 'east' }).register('z2', { zone: 'z2', region: 'east' });
    w.reserveOn('z1a', 'hello', 0);
    const result = check(w, constraint, 'hello', 1, agent);
    expect(result.pass).toBe(expected);
    if (line) expect(result.reasons).toEqual([line]);
  });
});

describe('round-robin rules (reference §5.4 "Round-robin algorithm", §9.11)', () => {
  type Step = [string, Record<string, boolean>, [number, string]?];
  // The original's RoundRobinByHostnameRuleTest rollouts: expectations for a new instance (hello-100), then the
  // instance placed next. Five preexisting tasks of another pod type never count.
  const withCount: Step[] = [
    ['1st task fits on host1', { host1: true }, [1, 'host1']],
    ["2nd task doesn't fit on host1 which already has something, but does fit on host2/host3", { host1: false, host2: true, host3: true }, [2, 'host3']],
    ["3rd task doesn't fit on host1/host3, does fit on host2", { host1: false, host2: true, host3: false }, [3, 'host2']],
    ['4th task fits on any host as the three hosts now have the same size', { host1: true, host2: true, host3: true }, [4, 'host2']],
    ["5th task doesn't fit on host2 but does fit on host1/host3", { host1: true, host2: false, host3: true }, [5, 'host3']],
    ['6th task may go to a 4th host although only 3 were announced', { host4: true }, [6, 'host4']],
    ['7th task is launched on host4 as well', { host4: true }, [7, 'host4']],
    ['8th task fails on hosts 2-4 as they all have more occupancy than host1', { host1: true, host2: false, host3: false, host4: false }, [8, 'host1']],
    ['now all hosts have equal occupancy, any host fits', { host1: true, host2: true, host3: true, host4: true }],
  ];
  const withoutCount: Step[] = [
    ['1st task fits on host1', { host1: true }, [1, 'host1']],
    ['2nd task fits on any of host1/host2/host3, as other valid hosts are not known', { host1: true, host2: true, host3: true }, [2, 'host3']],
    ['3rd task fits on any host, as all known hosts have the same amount', { host1: true, host2: true, host3: true }, [3, 'host2']],
    ['4th task fits on any host, as all known hosts have the same amount', { host1: true, host2: true, host3: true }, [4, 'host2']],
    ["5th task doesn't fit on host2 but does fit on host1/host3", { host1: true, host2: false, host3: true }, [5, 'host3']],
    ['6th task is launched on new host4', { host4: true }, [6, 'host4']],
    ['7th task is launched on host4 as well', { host4: true }, [7, 'host4']],
    ['8th task fails on hosts 2-4 as they all have more occupancy than host1', { host1: true, host2: false, host3: false, host4: false }, [8, 'host1']],
    ['now all hosts have equal occupancy, any host fits', { host1: true, host2: true, host3: true, host4: true }],
  ];

  it.each([
    ['9.11 round-robin by hostname with agent count 3 keeps occupancy balanced', 'hostname:GROUP_BY:3', withCount],
    ['round-robin by hostname without agent count', 'hostname:GROUP_BY', withoutCount],
  ])('%s', (_name, constraint, steps) => {
    const w = hosts('host1', 'host2', 'host3', 'host4');
    ['host1', 'host2', 'host3', 'host1', 'host2'].forEach((h, i) => w.reserveOn(h, 'ignored', i));
    for (const [what, expectations, next] of steps) {
      for (const [host, expected] of Object.entries(expectations)) {
        expect({ what, host, pass: passes(w, constraint, 'hello', 100, host) }).toEqual({ what, host, pass: expected });
      }
      if (next) w.reserveOn(next[1], 'hello', next[0]);
      if (next && next[0] === 2) {
        // Re-placing an existing instance on its previous host is always allowed.
        expect(passes(w, constraint, 'hello', 1, 'host1')).toBe(true);
        expect(passes(w, constraint, 'hello', 2, 'host3')).toBe(true);
      }
    }
  });

  it.each([
    ['an agent without the attribute fails', 'rack:GROUP_BY:2', 'bare', false, 'FAIL(RoundRobinByAttributeRule): rack:GROUP_BY:2: Offer lacks needed information for round robin placement'],
    ['a full rack fails while another rack is empty', 'rack:GROUP_BY:2', 'r1b', false,
      "FAIL(RoundRobinByAttributeRule): rack:GROUP_BY:2: Other keys have zero instances, but key 'r1' has 1"],
    ['the empty rack passes', 'rack:GROUP_BY:2', 'r2', true, "PASS(RoundRobinByAttributeRule): rack:GROUP_BY:2: Other keys have zero usage, and so does key 'r2'"],
    ['attribute names match case-insensitively', 'RACK:GROUP_BY:2', 'r2', true, undefined],
    ['@zone:GROUP_BY fails without a zone', '@zone:GROUP_BY', 'bare', false, 'FAIL(RoundRobinByZoneRule): @zone:GROUP_BY: Offer lacks needed information for round robin placement'],
  ])('by attribute or zone: %s', (_name, constraint, agent, expected, line) => {
    const w = hosts('bare');
    w.register('r1a', { attributes: { rack: 'r1' } }).register('r1b', { attributes: { rack: 'r1' } }).register('r2', { attributes: { rack: 'r2' } });
    w.reserveOn('r1a', 'hello', 0);
    const result = check(w, constraint, 'hello', 1, agent);
    expect(result.pass).toBe(expected);
    if (line) expect(result.reasons).toEqual([line]);
  });
});

describe('task type rules (reference §5.4, §9.11)', () => {
  // The original's TaskTypeRuleTest: `other` tasks on every agent, `match` tasks on agent1 and agent3.
  function world(withMatch = true): World {
    const w = new World().addPod(pod('match')).addPod(pod('other')).addPod(pod('pod'));
    w.register('agent1').register('agent2').register('agent3');
    w.reserveOn('agent1', 'other', 1);
    if (withMatch) w.reserveOn('agent1', 'match', 1);
    w.reserveOn('agent2', 'other', 2);
    w.reserveOn('agent3', 'other', 3);
    if (withMatch) w.reserveOn('agent3', 'match', 3);
    return w;
  }
  const colocate: PlacementRule = { type: 'TaskTypeRule', taskType: 'match', behavior: 'COLOCATE' };
  const avoid: PlacementRule = { type: 'TaskTypeRule', taskType: 'match', behavior: 'AVOID' };

  it.each([
    ['9.11 colocate passes on agents running the target type', colocate, 'pod', 0, true, [true, false, true]],
    ['colocate: the instance on agent1 does not count itself', colocate, 'match', 1, true, [false, false, true]],
    ['colocate: the instance on agent3 does not count itself', colocate, 'match', 3, true, [true, false, false]],
    ['colocate: an instance of another type sees both', colocate, 'other', 2, true, [true, false, true]],
    ['9.11 colocate passes everywhere when no such task exists', colocate, 'pod', 0, false, [true, true, true]],
    ['9.11 avoid is the complement', avoid, 'pod', 0, true, [false, true, false]],
    ['avoid: the instance on agent1 does not avoid itself', avoid, 'match', 1, true, [true, true, false]],
    ['avoid: the instance on agent3 does not avoid itself', avoid, 'match', 3, true, [false, true, true]],
    ['avoid passes everywhere when no such task exists', avoid, 'pod', 0, false, [true, true, true]],
  ] as const)('%s', (_name, rule, podType, podIndex, withMatch, expected) => {
    const w = world(withMatch);
    expect(['agent1', 'agent2', 'agent3'].map((a) => passes(w, rule, podType, podIndex, a))).toEqual(expected);
  });

  it('colocating with its own type is not stuck when this instance is the only one of that type', () => {
    const w = new World().addPod(pod('match'));
    w.register('agent1').register('agent2');
    w.reserveOn('agent1', 'match', 0);
    const rule: PlacementRule = { type: 'TaskTypeRule', taskType: 'match', behavior: 'COLOCATE' };
    expect(check(w, rule, 'match', 0, 'agent2')).toEqual({
      pass: true,
      reasons: ["PASS(TaskTypeRule): No tasks of colocated type 'match' are currently running."],
    });
  });
});

describe('matcher rules and combinators (reference §5.4)', () => {
  const w = hosts();
  w.register('a1', { hostname: 'node-1.example', attributes: { rack: 'r1', cores: '4' }, zone: 'z1', region: 'east' });
  w.register('a2', { hostname: 'node-2.example' });
  w.register('a3', { zone: '1.0' });
  const hostnameIs1: PlacementRule = { type: 'HostnameRule', matcher: exactMatcher('node-1.example') };

  it.each([
    ['hostname exact', hostnameIs1, 'a1', true, "PASS(HostnameRule): Offer hostname matches pattern: 'ExactMatcher{str='node-1.example'}'"],
    ['hostname exact, other host', hostnameIs1, 'a2', false, "FAIL(HostnameRule): Offer hostname didn't match pattern: 'ExactMatcher{str='node-1.example'}'"],
    ['hostname regex must match it whole', { type: 'HostnameRule', matcher: regexMatcher('node-1') }, 'a1', false, undefined],
    ['attribute exact', { type: 'AttributeRule', matcher: exactMatcher('cores:4') }, 'a1', true, undefined],
    ['zone exact with numeric normalisation (1 equals 1.0)', { type: 'ZoneRule', matcher: exactMatcher('1') }, 'a3', true, undefined],
    ['attribute missing', { type: 'AttributeRule', matcher: regexMatcher('gpu:.*') }, 'a1', false,
      "FAIL(AttributeRule): None of 2 attributes matched pattern: 'RegexMatcher{pattern='gpu:.*'}'"],
    ['zone rule without a zone', { type: 'ZoneRule', matcher: anyMatcher() }, 'a2', false, 'FAIL(ZoneRule): Offer does not contain a zone.'],
    ['zone rule', { type: 'ZoneRule', matcher: exactMatcher('z1') }, 'a1', true, undefined],
    ['region rule without a region', { type: 'RegionRule', matcher: anyMatcher() }, 'a2', false, "FAIL(RegionRule): Offer region didn't match pattern: 'AnyMatcher{}'"],
    ['not', { type: 'NotRule', rule: hostnameIs1 }, 'a2', true, undefined],
    ['empty and always fails', { type: 'AndRule', rules: [] }, 'a1', false, "FAIL(AndRule): No rules to AND together is treated as 'always fail'"],
    ['empty or fails', { type: 'OrRule', rules: [] }, 'a1', false, 'FAIL(OrRule): 0 of 0 rules are passing:'],
    ['or of a failing and a passing rule', { type: 'OrRule', rules: [hostnameIs1, { type: 'PassthroughRule' }] }, 'a2', true, undefined],
    ['passthrough', { type: 'PassthroughRule' }, 'a2', true, 'PASS(PassthroughRule): Passthrough rule always passes.'],
    ['agent rule', { type: 'AgentRule', agentId: 'a1' }, 'a2', false, "FAIL(AgentRule): Offer lacks required Agent ID. Wanted: 'a1' Got: 'a2'"],
    ['local region without a region', { type: 'IsLocalRegionRule', localRegion: 'west' }, 'a2', true, undefined],
    ['local region elsewhere', { type: 'IsLocalRegionRule', localRegion: 'west' }, 'a1', false,
      "FAIL(IsLocalRegionRule): The offer is in region: 'east' NOT the local region: 'west'"],
    ['invalid rule', { type: 'InvalidPlacementRule', constraints: 'rack:FOO', error: 'x' }, 'a1', false,
      'FAIL(InvalidPlacementRule): Invalid placement constraints for hello-0: rack:FOO'],
  ] as [string, PlacementRule, string, boolean, string | undefined][])('%s', (_name, rule, agent, expected, line) => {
    const result = check(w, rule, 'hello', 0, agent);
    expect(result.pass).toBe(expected);
    if (line) expect(result.reasons).toEqual([line]);
  });

  it.each([
    ['an agent whose foo is bar', { foo: 'bar' }, false],
    ['an agent whose foo is baz', { foo: 'baz' }, true],
    ['an agent with foo:bar and another attribute (any attribute may differ)', { foo: 'bar', rack: 'r1' }, true],
    ['an agent without attributes (no attribute to differ)', {}, false],
  ])('foo:IS_NOT:bar, like the original, asks for any attribute other than foo:bar: %s', (_name, attributes, expected) => {
    const world = hosts();
    world.register('x', { attributes });
    expect(passes(world, 'foo:IS_NOT:bar', 'hello', 0, 'x')).toBe(expected);
  });

  it('renders children under their parent, indented', () => {
    expect(check(w, 'hostname:UNLIKE:node-1.*', 'hello', 0, 'a1').reasons).toEqual([
      'FAIL(NotRule): hostname:UNLIKE:node-1.*: Returning opposite of child rule',
      "  PASS(HostnameRule): hostname:UNLIKE:node-1.*: Offer hostname matches pattern: 'RegexMatcher{pattern='node-1.*'}'",
    ]);
  });
});
