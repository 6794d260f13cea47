import { MarshalError } from '@marshal/contracts';
import { freeResources, toReservation } from '.';
import { candidate, pod, port, resourceSet, volume, World } from '../test/fixtures';

const hello = (placement?: string) => pod('hello', { count: 4, placement, tasks: [{ name: 'server', cpus: 1, memory: 256 }] });

describe('resources (reference §5.3)', () => {
  it('explains per agent why nothing fits', () => {
    const w = new World().addPod(pod('hello', { tasks: [{ name: 'server', cpus: 1, memory: 512, volumes: [volume('data', 100)] }] }));
    w.register('a1', { cpus: 0.5, memory: 4096 });
    w.register('a2', { cpus: 4, memory: 256 });
    w.register('a3', { cpus: 4, memory: 4096, disk: 50 });
    const result = w.evaluate(candidate('hello', 0));
    expect(result.proposal).toBeNull();
    expect(result.outcomes.map((o) => [o.agentId, o.pass, o.reasons.filter((r) => r.startsWith('FAIL'))])).toEqual([
      ['a1', false, ['FAIL(ResourceEvaluationStage): insufficient cpus: 0.5 offered, 1.0 required']],
      ['a2', false, ['FAIL(ResourceEvaluationStage): insufficient memory: 256.0 offered, 512.0 required']],
      ['a3', false, ['FAIL(ResourceEvaluationStage): insufficient disk: 50.0 offered, 100.0 required']],
    ]);
    expect(result.outcomes[0].reasons).toEqual([
      'PASS(PlacementRuleEvaluationStage): No placement rule defined',
      'FAIL(ResourceEvaluationStage): insufficient cpus: 0.5 offered, 1.0 required',
      'PASS(ResourceEvaluationStage): sufficient memory: 4096.0 offered, 512.0 required',
      'PASS(ResourceEvaluationStage): sufficient disk: 10000.0 offered, 100.0 required',
      'PASS(VolumeEvaluationStage): ROOT volume \'data\': 100 MB of disk, persistence id hello-0-data-1',
    ]);
  });

  it('9.3 sufficient agent → the proposal uses exactly one agent, the first that fits, with the winner\'s pass lines', () => {
    const w = new World().addPod(hello());
    w.register('a1', { cpus: 0.5 }).register('a2').register('a3');
    const result = w.evaluate(candidate('hello', 0));
    expect(result.proposal).toEqual({
      agentId: 'a2',
      hostname: 'a2',
      agentSeq: 2,
      resources: { cpus: 1, memory: 256, disk: 0, gpus: 0 },
      ports: [],
      volumes: [],
    });
    expect(result.outcomes[0]).toEqual({
      agentId: 'a2',
      hostname: 'a2',
      pass: true,
      reasons: [
        'PASS(PlacementRuleEvaluationStage): No placement rule defined',
        'PASS(ResourceEvaluationStage): sufficient cpus: 4.0 offered, 1.0 required',
        'PASS(ResourceEvaluationStage): sufficient memory: 4096.0 offered, 256.0 required',
        'PASS(LaunchEvaluationStage): Added launch operation for server',
      ],
    });
    expect(result.outcomes.map((o) => o.agentId)).toEqual(['a2', 'a1']);
  });

  it('9.3 a step whose evaluation yields nothing gets no proposal (the step becomes PREPARED)', () => {
    const w = new World().addPod(hello());
    expect(w.evaluate(candidate('hello', 0))).toEqual({ proposal: null, outcomes: [] });
    w.register('a1', { cpus: 0.1 });
    expect(w.evaluate(candidate('hello', 0)).proposal).toBeNull();
  });

  it('9.3 two candidates over disjoint pods and two agents → both agents used', () => {
    const w = new World().addPod(hello()).addPod(pod('world', { tasks: [{ name: 'server', cpus: 1 }] }));
    w.register('a1', { cpus: 1 }).register('a2', { cpus: 1 });
    expect(w.place(candidate('hello', 0)).proposal?.agentId).toBe('a1');
    expect(w.place(candidate('world', 0)).proposal?.agentId).toBe('a2');
  });

  it('never proposes more than is free, so free resources never go negative', () => {
    const w = new World()
      .addPod(pod('small', { count: 100, tasks: [{ name: 'server', cpus: 0.3, memory: 100 }] }))
      .addPod(pod('big', { count: 100, tasks: [{ name: 'server', cpus: 1.1, memory: 700, volumes: [volume('d', 300)] }] }));
    w.register('a1', { cpus: 2, memory: 1500, disk: 1000 }).register('a2', { cpus: 3.3, memory: 1000, disk: 500 });
    let placed = 0;
    for (let i = 0; i < 40; i++) {
      const c = candidate(i % 3 === 0 ? 'big' : 'small', i);
      const result = w.place(c);
      if (result.proposal) placed++;
      for (const id of ['a1', 'a2']) {
        const free = freeResources(w.ledger, id);
        expect(Math.min(free?.cpus ?? -1, free?.memory ?? -1, free?.disk ?? -1)).toBeGreaterThanOrEqual(0);
      }
    }
    expect(placed).toBeGreaterThan(5);
    expect(w.evaluate(candidate('small', 99)).proposal).toBeNull();
  });

  it('an agent that re-registers smaller than it holds offers nothing', () => {
    const w = new World().addPod(hello());
    w.register('a1', { cpus: 4 });
    w.place(candidate('hello', 0));
    w.place(candidate('hello', 1));
    w.register('a1', { cpus: 1 });
    expect(freeResources(w.ledger, 'a1')?.cpus).toBe(0);
    expect(w.evaluate(candidate('hello', 2)).outcomes[0].reasons).toContain(
      'FAIL(ResourceEvaluationStage): insufficient cpus: 0.0 offered, 1.0 required',
    );
  });

  it('resource sets shared by tasks are reserved once, and the footprint covers every task of the pod', () => {
    const shared = pod('hello', {
      resourceSets: [resourceSet('shared', { cpus: 1, memory: 128 })],
      tasks: [
        { name: 'a', resourceSet: 'shared' },
        { name: 'b', resourceSet: 'shared' },
        { name: 'c', cpus: 0.5, memory: 64 },
      ],
    });
    const w = new World().addPod(shared);
    w.register('a1');
    expect(w.evaluate(candidate('hello', 0, ['a'])).proposal?.resources).toEqual({ cpus: 1.5, memory: 192, disk: 0, gpus: 0 });
  });

  it('skips lost agents and says so', () => {
    const w = new World().addPod(hello());
    w.register('a1').register('a2').lose('a1');
    const result = w.evaluate(candidate('hello', 0));
    expect(result.proposal?.agentId).toBe('a2');
    expect(result.outcomes[1].reasons).toContain('FAIL(AgentStatusStage): agent a1 is lost');
  });

  it('rejects a candidate for tasks the pod does not have', () => {
    const w = new World().addPod(hello());
    expect(() => w.evaluate(candidate('hello', 0, ['nope']))).toThrow(MarshalError);
    expect(() => w.evaluate(candidate('hello', 0, ['nope']))).toThrow(
      "candidate hello-world hello-0 launches tasks [nope] that pod 'hello' does not have (tasks: [server])",
    );
  });
});

describe('placement in evaluation (reference §5.5 "When placement is evaluated")', () => {
  it('UNIQUE across three agents leaves a fourth instance unplaced, with the reason per agent', () => {
    const w = new World().addPod(hello('hostname:UNIQUE'));
    w.register('a1').register('a2').register('a3');
    expect([0, 1, 2].map((i) => w.place(candidate('hello', i)).proposal?.agentId)).toEqual(['a1', 'a2', 'a3']);
    const fourth = w.evaluate(candidate('hello', 3));
    expect(fourth.proposal).toBeNull();
    expect(fourth.outcomes.map((o) => o.reasons.filter((r) => r.startsWith('FAIL')))).toEqual([
      ['FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-0 already on host a1'],
      ['FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-1 already on host a2'],
      ['FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-2 already on host a3'],
    ]);
  });

  it('MAX_PER counts: hostname:MAX_PER:2 puts two instances on each agent', () => {
    const w = new World().addPod(hello('hostname:MAX_PER:2'));
    w.register('a1', { cpus: 10 }).register('a2', { cpus: 10 });
    expect([0, 1, 2, 3, 4].map((i) => w.place(candidate('hello', i)).proposal?.agentId ?? null)).toEqual(['a1', 'a1', 'a2', 'a2', null]);
  });

  it('GROUP_BY on zone spreads instances over the zones', () => {
    const w = new World().addPod(hello('@zone:GROUP_BY:3'));
    w.register('a1', { zone: 'z1', cpus: 10 }).register('a2', { zone: 'z1', cpus: 10 });
    w.register('a3', { zone: 'z2', cpus: 10 }).register('a4', { zone: 'z3', cpus: 10 });
    const zones = [0, 1, 2, 3, 4, 5].map((i) => w.ledger.agents.get(w.place(candidate('hello', i)).proposal?.agentId as string)?.zone);
    expect(zones).toEqual(['z1', 'z2', 'z3', 'z1', 'z2', 'z3']);
  });

  it('an invalid placement string fails every agent with the original message', () => {
    const w = new World().addPod(hello('hostname:FOO'));
    w.register('a1');
    const result = w.evaluate(candidate('hello', 0));
    expect(result.proposal).toBeNull();
    expect(result.outcomes[0].reasons[0]).toBe('FAIL(InvalidPlacementRule): Invalid placement constraints for hello-0: hostname:FOO');
  });

  it('caps outcomes and keeps the agents closest to fitting', () => {
    const w = new World().addPod(pod('hello', { placement: 'hostname:LIKE:near.*', tasks: [{ name: 'server', cpus: 2, memory: 100 }] }));
    for (let i = 0; i < 60; i++) w.register(`far-${i}`, { cpus: 1 });
    for (let i = 0; i < 3; i++) w.register(`near-${i}`, { cpus: 1 });
    const result = w.evaluate(candidate('hello', 0), 10);
    expect(result.proposal).toBeNull();
    expect(result.outcomes).toHaveLength(10);
    expect(result.outcomes.slice(0, 4).map((o) => o.agentId)).toEqual(['near-0', 'near-1', 'near-2', 'far-0']);
    expect(w.evaluate(candidate('hello', 0)).outcomes).toHaveLength(50);
    // Once an agent fits, the winner comes first and only the three closest rejected agents are explained.
    w.register('near-fit', { cpus: 2, hostname: 'near-fit' });
    const placed = w.evaluate(candidate('hello', 0));
    expect(placed.outcomes.map((o) => [o.agentId, o.pass])).toEqual([
      ['near-fit', true],
      ['near-0', false],
      ['near-1', false],
      ['near-2', false],
    ]);
  });
});

describe('relaunch in place and replace (reference §5.2)', () => {
  const withPortsAndVolumes = (cpus: number) =>
    pod('hello', {
      volumes: [volume('shared', 50)],
      tasks: [{ name: 'server', cpus, memory: 256, ports: [port('http', 0, { envKey: 'PORT_HTTP' }), port('admin', 10000)], volumes: [volume('data', 100)] }],
    });

  function placedWorld(cpus = 1) {
    const w = new World().addPod(withPortsAndVolumes(cpus));
    w.register('a1', { cpus: 4, ports: [[10000, 10010]] }).register('a2', { cpus: 4, ports: [[10000, 10010]] });
    const first = w.place(candidate('hello', 0));
    return { w, first };
  }

  it('relaunches on the same agent, keeping dynamic ports and volume persistence ids', () => {
    const { w, first } = placedWorld();
    // Another pod takes a1's next free port, which must not disturb hello-0's own.
    w.addPod(pod('other', { tasks: [{ name: 'server', cpus: 0.1, ports: [port('p', 0)] }] }));
    w.place(candidate('other', 0));
    const again = w.evaluate(candidate('hello', 0, ['server'], { recoveryType: 'TRANSIENT' }));
    expect(again.proposal).toEqual({ ...first.proposal, agentSeq: w.ledger.agents.get('a1')?.seq, existingReservationId: first.reservationId });
    expect(again.proposal?.ports.map((p) => p.port)).toEqual([10001, 10000]);
    expect(again.proposal?.volumes.map((v) => v.persistenceId)).toEqual(['hello-0-shared-1', 'hello-0-data-1']);
    expect(again.outcomes).toHaveLength(1);
  });

  it('keeps its dynamic port even when a lower port became free since', () => {
    const w = new World().addPod(withPortsAndVolumes(1)).addPod(pod('squatter', { tasks: [{ name: 'server', cpus: 0.1, ports: [port('p', 10001)] }] }));
    w.register('a1', { ports: [[10000, 10010]] });
    const squatter = w.place(candidate('squatter', 0));
    expect(w.place(candidate('hello', 0)).proposal?.ports.map((p) => p.port)).toEqual([10002, 10000]);
    w.release('a1', squatter.reservationId as string);
    expect(w.evaluate(candidate('hello', 0)).proposal?.ports.map((p) => p.port)).toEqual([10002, 10000]);
    expect(w.evaluate(candidate('hello', 1)).proposal?.ports).toBeUndefined();
  });

  it('grows within the agent\'s free resources, and explains when it cannot', () => {
    const { w, first } = placedWorld(1);
    w.addPod(withPortsAndVolumes(3.5));
    const grown = w.evaluate(candidate('hello', 0));
    expect(grown.proposal).toMatchObject({ agentId: 'a1', existingReservationId: first.reservationId, resources: { cpus: 3.5 } });
    w.addPod(withPortsAndVolumes(4.5));
    const tooBig = w.evaluate(candidate('hello', 0));
    expect(tooBig.proposal).toBeNull();
    expect(tooBig.outcomes).toEqual([
      expect.objectContaining({ agentId: 'a1', pass: false }),
    ]);
    expect(tooBig.outcomes[0].reasons).toContain('FAIL(ResourceEvaluationStage): insufficient cpus: 4.0 offered, 4.5 required');
  });

  it('shrinks in place and the ledger frees the difference', () => {
    const { w } = placedWorld(2);
    w.addPod(withPortsAndVolumes(0.5));
    const c = candidate('hello', 0);
    w.commit(c, w.evaluate(c).proposal as never);
    expect(freeResources(w.ledger, 'a1')?.cpus).toBe(3.5);
    expect(w.ledger.agents.get('a1')?.reservations.size).toBe(1);
  });

  it('does not evaluate placement on a relaunch: pods never move because placement changed', () => {
    const { w } = placedWorld();
    w.addPod({ ...withPortsAndVolumes(1), placement: 'hostname:LIKE:a2' });
    expect(w.evaluate(candidate('hello', 0)).proposal?.agentId).toBe('a1');
  });

  it('a relaunch waits for its agent; another agent does not do', () => {
    const { w } = placedWorld();
    w.lose('a1');
    const result = w.evaluate(candidate('hello', 0, ['server'], { recoveryType: 'TRANSIENT' }));
    expect(result.proposal).toBeNull();
    expect(result.outcomes.map((o) => o.agentId)).toEqual(['a1']);
  });

  it('PERMANENT recovery takes a fresh reservation anywhere, with placement and new persistence ids', () => {
    const { w, first } = placedWorld();
    w.addPod({ ...withPortsAndVolumes(1), placement: 'hostname:LIKE:a2' });
    const moved = w.evaluate(candidate('hello', 0, ['server'], { recoveryType: 'PERMANENT' }));
    expect(moved.proposal?.agentId).toBe('a2');
    expect(moved.proposal?.existingReservationId).toBeUndefined();
    expect(moved.proposal?.volumes.map((v) => v.persistenceId)).toEqual(['hello-0-shared-2', 'hello-0-data-2']);
    expect(first.proposal?.agentId).toBe('a1');
  });

  it('after a replace, the pod relaunches on its new reservation even before the old one is released', () => {
    const { w } = placedWorld();
    const c = candidate('hello', 0, ['server'], { recoveryType: 'PERMANENT' });
    w.addPod({ ...withPortsAndVolumes(1), placement: 'hostname:LIKE:a2' });
    const moved = w.place(c);
    expect(moved.proposal?.agentId).toBe('a2');
    const next = w.evaluate(candidate('hello', 0, ['server'], { recoveryType: 'TRANSIENT' }));
    expect(next.proposal).toMatchObject({ agentId: 'a2', existingReservationId: moved.reservationId });
  });

  it('PERMANENT recovery ignores the replaced instance for placement but not its held resources', () => {
    const w = new World().addPod(pod('hello', { placement: 'hostname:UNIQUE', tasks: [{ name: 'server', cpus: 3 }] }));
    w.register('a1', { cpus: 4 }).register('a2', { cpus: 4 });
    w.place(candidate('hello', 0));
    const replaced = w.evaluate(candidate('hello', 0, ['server'], { recoveryType: 'PERMANENT' }));
    expect(replaced.proposal?.agentId).toBe('a2');
    expect(replaced.outcomes[1].reasons).toEqual([
      "PASS(MaxPerHostnameRule): hostname:UNIQUE: Fewer than 1 tasks matching filter 'RegexMatcher{pattern='hello-.*'}' are present on host a1",
      'FAIL(ResourceEvaluationStage): insufficient cpus: 1.0 offered, 3.0 required',
    ]);
  });
});

describe('ports (reference §4.4.1, §5.3)', () => {
  it('dynamic ports avoid ports any task of the pod claims statically, and reserved ports', () => {
    const spec = pod('hello', {
      tasks: [
        { name: 'a', cpus: 0.1, ports: [port('dyn', 0), port('fixed', 10001)] },
        { name: 'b', cpus: 0.1, ports: [port('other', 10000)] },
      ],
    });
    const w = new World().addPod(spec).addPod(pod('squatter', { tasks: [{ name: 'server', cpus: 0.1, ports: [port('p', 10002)] }] }));
    w.register('a1', { ports: [[10000, 10005]] });
    w.place(candidate('squatter', 0));
    const result = w.evaluate(candidate('hello', 0, ['a']));
    expect(result.proposal?.ports).toEqual([
      { name: 'dyn', port: 10003, advertise: false },
      { name: 'fixed', port: 10001, advertise: false },
      { name: 'other', port: 10000, advertise: false },
    ]);
  });

  it('dynamic ports respect their ranges', () => {
    const w = new World().addPod(pod('hello', { tasks: [{ name: 'server', cpus: 0.1, ports: [port('p', 0, { ranges: [{ begin: 20005, end: 20008 }] })] }] }));
    w.register('a1', { ports: [[10000, 10100], [20000, 20100]] });
    expect(w.evaluate(candidate('hello', 0)).proposal?.ports[0].port).toBe(20005);
  });

  it('a dynamic port without a free port in range fails with the reason', () => {
    const w = new World().addPod(pod('hello', { tasks: [{ name: 'server', cpus: 0.1, ports: [port('p', 0, { ranges: [{ begin: 30000, end: 30010 }] })] }] }));
    w.register('a1', { ports: [[10000, 10100]] });
    expect(w.evaluate(candidate('hello', 0)).outcomes[0].reasons).toContain(
      "FAIL(PortEvaluationStage): port 'p': no free port for dynamic claim within [30000-30010] (agent ports [10000-10100])",
    );
  });

  it.each([
    ['not offered', [[20000, 20010]], undefined, "FAIL(PortEvaluationStage): port 'http': 8080 is not offered (agent ports [20000-20010])"],
    ['already reserved', [[8080, 8090]], 'squatter', "FAIL(PortEvaluationStage): port 'http': 8080 is already reserved on this agent"],
  ] as const)('a static port that is %s fails', (_name, ranges, other, line) => {
    const w = new World()
      .addPod(pod('hello', { tasks: [{ name: 'server', cpus: 0.1, ports: [port('http', 8080)] }] }))
      .addPod(pod('squatter', { tasks: [{ name: 'server', cpus: 0.1, ports: [port('http', 8080)] }] }));
    w.register('a1', { ports: ranges.map(([a, b]) => [a, b] as [number, number]) });
    if (other) w.place(candidate(other, 0));
    expect(w.evaluate(candidate('hello', 0)).outcomes[0].reasons).toContain(line);
  });

  it('carries env-key, advertise and VIP into the proposal', () => {
    const w = new World().addPod(
      pod('hello', { tasks: [{ name: 'server', cpus: 0.1, ports: [port('http', 0, { envKey: 'PORT_HTTP', advertise: true, vip: { port: 80, prefix: 'web' } })] }] }),
    );
    w.register('a1', { ports: [[10000, 10001]] });
    expect(w.evaluate(candidate('hello', 0)).proposal?.ports).toEqual([
      { name: 'http', port: 10000, envKey: 'PORT_HTTP', advertise: true, vip: { port: 80, prefix: 'web' } },
    ]);
  });

  it('pods on a virtual network take dynamic ports from 1025 and reserve none', () => {
    const spec = pod('hello', {
      networks: [{ name: 'dcos', hostPorts: [], containerPorts: [], labels: {} }],
      tasks: [{ name: 'server', cpus: 0.1, ports: [port('a', 0), port('b', 1026), port('c', 0)] }],
    });
    const w = new World().addPod(spec);
    w.register('a1', { ports: [] });
    const proposal = w.evaluate(candidate('hello', 0)).proposal;
    expect(proposal?.ports.map((p) => p.port)).toEqual([1025, 1026, 1027]);
    expect(toReservation(proposal as never, spec).ports).toEqual([]);
  });
});

describe('volumes (reference §4.4.2, §5.3)', () => {
  const mounts = [
    { root: '/mnt/small', size: 1000 },
    { root: '/mnt/big', size: 8000 },
    { root: '/mnt/xfs', size: 4000, profile: 'xfs' },
  ];

  it('MOUNT volumes take one whole disk that is large enough and has no profile', () => {
    const w = new World().addPod(pod('hello', { tasks: [{ name: 'server', cpus: 0.1, volumes: [volume('data', 2000, 'MOUNT')] }] }));
    w.register('a1', { mounts });
    const proposal = w.place(candidate('hello', 0)).proposal;
    expect(proposal?.volumes).toEqual([
      { path: 'data', type: 'MOUNT', size: 8000, persistenceId: 'hello-0-data-1', mountRoot: '/mnt/big', podLevel: false },
    ]);
    expect(proposal?.resources.disk).toBe(0);
    const second = w.evaluate(candidate('hello', 1));
    expect(second.proposal).toBeNull();
    expect(second.outcomes[0].reasons).toContain("FAIL(VolumeEvaluationStage): Failed to find MOUNT volume for 'data: MOUNT ≥ 2000 MB, no profile'.");
  });

  it('MOUNT volumes with profiles take only a disk with one of them', () => {
    const w = new World().addPod(pod('hello', { tasks: [{ name: 'server', cpus: 0.1, volumes: [volume('data', 100, 'MOUNT', ['xfs', 'ext4'])] }] }));
    w.register('a1', { mounts });
    expect(w.evaluate(candidate('hello', 0)).proposal?.volumes[0].mountRoot).toBe('/mnt/xfs');
  });

  it('two MOUNT volumes of one pod take two disks', () => {
    const w = new World().addPod(
      pod('hello', { volumes: [volume('a', 500, 'MOUNT')], tasks: [{ name: 'server', cpus: 0.1, volumes: [volume('b', 500, 'PATH')] }] }),
    );
    w.register('a1', { mounts });
    expect(w.evaluate(candidate('hello', 0)).proposal?.volumes.map((v) => [v.path, v.mountRoot, v.podLevel])).toEqual([
      ['a', '/mnt/small', true],
      ['b', '/mnt/big', false],
    ]);
  });

  it('a relaunch keeps its MOUNT disk', () => {
    const w = new World().addPod(pod('hello', { tasks: [{ name: 'server', cpus: 0.1, volumes: [volume('data', 500, 'MOUNT')] }] }));
    w.register('a1', { mounts });
    const first = w.place(candidate('hello', 0)).proposal;
    const again = w.evaluate(candidate('hello', 0)).proposal;
    expect(again?.volumes).toEqual(first?.volumes);
  });
});

describe('9.12 custom steps: the first step reserves the whole pod footprint', () => {
  const spec = pod('hello', {
    count: 2,
    tasks: ['first', 'second', 'third'].map((name) => ({ name, cpus: 1, memory: 256, goal: 'FINISH' as const })),
  });

  it('launches only the requested tasks, and later steps of the pod relaunch on its reservation', () => {
    const w = new World().addPod(spec);
    w.register('a1', { cpus: 3 }).register('a2', { cpus: 3 });
    const first = w.place(candidate('hello', 0, ['first']));
    expect(first.proposal).toMatchObject({ agentId: 'a1', resources: { cpus: 3, memory: 768 } });
    expect(first.outcomes[0].reasons.filter((r) => r.startsWith('PASS(LaunchEvaluationStage)'))).toEqual([
      'PASS(LaunchEvaluationStage): Added launch operation for first',
      'PASS(LaunchEvaluationStage): Added metadata update for second',
      'PASS(LaunchEvaluationStage): Added metadata update for third',
    ]);
    expect(w.place(candidate('hello', 1, ['first'])).proposal?.agentId).toBe('a2');
    const second = w.evaluate(candidate('hello', 0, ['second']));
    expect(second.proposal).toMatchObject({ agentId: 'a1', existingReservationId: first.reservationId, resources: { cpus: 3 } });
  });
});
