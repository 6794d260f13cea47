import { PHASE_STRATEGIES, podInstanceName, type PhaseSpec, type PlanSpec, type ServiceSpec, type Status } from '@marshal/contracts';
import { generatePlans, type GenerateOptions } from './plan-generation';
import { phaseCandidates, phaseStatus, planStatus } from './plan-status';
import { stepStatus } from './step-status';
import { strategyName } from './strategy';
import { idGenerator, pod, serviceSpec, task } from './testing';
import type { PlanModel, Requirement } from '@marshal/contracts';

const options = (extra: Partial<GenerateOptions> = {}): GenerateOptions => ({
  deploymentCompleted: false,
  newId: idGenerator(),
  initialStatus: () => 'PENDING',
  ...extra,
});

const phase = (name: string, podType: string, strategy: PhaseSpec['strategy'], steps?: PhaseSpec['steps']): PhaseSpec => ({
  name,
  pod: podType,
  strategy,
  ...(steps ? { steps } : {}),
});

/** `sdk-fixtures/custom-phases.yml`: pod hello (count 3) with tasks server and once on their own resource sets. */
const customPhases: ServiceSpec = serviceSpec(
  [pod('hello', 3, [task('server', { resourceSet: 'hello-resources' }), task('once', { goal: 'ONCE', resourceSet: 'once-resources' })])],
  [
    {
      name: 'deploy',
      strategy: 'serial',
      phases: [
        phase('server', 'hello', 'parallel', [{ key: 'default', tasks: [['server']] }]),
        phase('once', 'hello', 'parallel', [{ key: 'default', tasks: [['once']] }]),
        phase('interleave', 'hello', 'serial', [{ key: 'default', tasks: [['once'], ['server']] }]),
        phase('parallel-tasks', 'hello', 'serial', [{ key: 'default', tasks: [['once', 'server']] }]),
        phase('parallel-strategy', 'hello', 'parallel', [{ key: 'default', tasks: [['once', 'server']] }]),
        phase('parallel-pods', 'hello', 'parallel', [{ key: 'default', tasks: [['once'], ['server']] }]),
        phase('full-custom', 'hello', 'serial', [
          { key: '0', tasks: [['once'], ['server']] },
          { key: '1', tasks: [['server'], ['once']] },
          { key: '2', tasks: [['server']] },
        ]),
        phase('partial-custom', 'hello', 'serial', [
          { key: '1', tasks: [['once'], ['server']] },
          { key: 'default', tasks: [['server'], ['once']] },
        ]),
      ],
    },
  ],
);

/** helloworld `svc.yml`: hello (count 1) and world (count 2), one task `server` each. */
const helloWorld = (plans: PlanSpec[] = []) => serviceSpec([pod('hello', 1, [task('server')]), pod('world', 2, [task('server')])], plans);

function generated(spec: ServiceSpec, extra: Partial<GenerateOptions> = {}): PlanModel[] {
  const { plans, errors } = generatePlans(spec, options(extra));
  expect(errors).toEqual([]);
  return plans;
}

const tree = (plan: PlanModel) => ({
  name: plan.name,
  strategy: strategyName(plan.strategy),
  status: planStatus(plan),
  phases: plan.phases.map((p) => ({
    name: p.name,
    strategy: strategyName(p.strategy),
    status: phaseStatus(p),
    steps: p.steps.map((s) => `${s.name} (${stepStatus(s)})`),
  })),
});

describe('custom-phases.yml (reference §3.2, §9.7)', () => {
  const [deploy] = generated(customPhases);
  const byName = (name: string) => {
    const found = deploy.phases.find((p) => p.name === name);
    if (!found) throw new Error(`no phase ${name}`);
    return found;
  };

  it('has the eight phases in YAML order', () => {
    expect(deploy.phases.map((p) => p.name)).toEqual([
      'server',
      'once',
      'interleave',
      'parallel-tasks',
      'parallel-strategy',
      'parallel-pods',
      'full-custom',
      'partial-custom',
    ]);
  });

  it.each([
    ['server (parallel, default: [[server]])', 'server', 'dependency', [['server'], ['server'], ['server']]],
    ['once (parallel, default: [[once]])', 'once', 'dependency', [['once'], ['once'], ['once']]],
    ['interleave (serial, default: [[once],[server]])', 'interleave', 'serial', [['once'], ['server'], ['once'], ['server'], ['once'], ['server']]],
    ['parallel-tasks (serial, default: [[once, server]])', 'parallel-tasks', 'serial', [['once', 'server'], ['once', 'server'], ['once', 'server']]],
    ['parallel-strategy (parallel, default: [[once, server]])', 'parallel-strategy', 'dependency', [['once', 'server'], ['once', 'server'], ['once', 'server']]],
    ['parallel-pods (parallel, default: [[once],[server]])', 'parallel-pods', 'dependency', [['once'], ['server'], ['once'], ['server'], ['once'], ['server']]],
    ['full-custom (serial, 0: [[once],[server]], 1: [[server],[once]], 2: [[server]])', 'full-custom', 'serial', [['once'], ['server'], ['server'], ['once'], ['server']]],
    ['partial-custom (serial, 1: [[once],[server]], default: [[server],[once]])', 'partial-custom', 'serial', [['server'], ['once'], ['once'], ['server'], ['server'], ['once']]],
  ] as [string, string, string, string[][]][])('%s', (_name, phaseName, strategy, tasks) => {
    const p = byName(phaseName);
    expect(p.steps.map((s) => s.requirement?.tasks)).toEqual(tasks);
    expect(strategyName(p.strategy)).toBe(strategy);
  });

  it('steps are named after their requirement: full-custom starts hello-0:[once], hello-0:[server], hello-1:[server]', () => {
    expect(byName('full-custom').steps.slice(0, 3).map((s) => s.name)).toEqual(['hello-0:[once]', 'hello-0:[server]', 'hello-1:[server]']);
    expect(byName('parallel-tasks').steps[0].name).toBe('hello-0:[once, server]');
  });

  it('parallel-pods: each pod instance runs its steps in order, instances independently', () => {
    const p = byName('parallel-pods');
    expect(phaseCandidates(p, []).map((s) => s.name)).toEqual(['hello-0:[once]', 'hello-1:[once]', 'hello-2:[once]']);
    const firstDone = { ...p, steps: p.steps.map((s) => (s.name === 'hello-1:[once]' ? { ...s, status: 'COMPLETE' as Status } : s)) };
    expect(phaseCandidates(firstDone, []).map((s) => s.name)).toEqual(['hello-0:[once]', 'hello-1:[server]', 'hello-2:[once]']);
  });
});

describe('default deploy plan (reference §3.1)', () => {
  it('helloworld svc.yml: serial plan, one serial phase per pod type, one step per instance', () => {
    expect(generated(helloWorld()).map(tree)).toEqual([
      {
        name: 'deploy',
        strategy: 'serial',
        status: 'PENDING',
        phases: [
          { name: 'hello', strategy: 'serial', status: 'PENDING', steps: ['hello-0:[server] (PENDING)'] },
          { name: 'world', strategy: 'serial', status: 'PENDING', steps: ['world-0:[server] (PENDING)', 'world-1:[server] (PENDING)'] },
        ],
      },
    ]);
  });

  it('launches all tasks of a pod together, in declaration order, with the initial status the caller gives', () => {
    const spec = serviceSpec([pod('hello', 2, [task('once', { goal: 'ONCE' }), task('server')])]);
    const seen: Requirement[] = [];
    const [deploy] = generated(spec, {
      initialStatus: (r) => {
        seen.push(r);
        return r.podIndex === 0 ? 'COMPLETE' : 'PENDING';
      },
    });
    expect(seen.map((r) => `${podInstanceName(r.podType, r.podIndex)}:${r.tasks.join(',')}:${r.recoveryType}`)).toEqual([
      'hello-0:once,server:NONE',
      'hello-1:once,server:NONE',
    ]);
    expect(tree(deploy).phases[0]).toMatchObject({ status: 'IN_PROGRESS', steps: ['hello-0:[once, server] (COMPLETE)', 'hello-1:[once, server] (PENDING)'] });
  });

  it('a pod with count 0 has an empty, COMPLETE phase', () => {
    const [deploy] = generated(serviceSpec([pod('hello', 1, [task('server')]), pod('world', 0, [task('server')])]));
    expect(deploy.phases[1]).toMatchObject({ name: 'world', steps: [] });
    expect(phaseStatus(deploy.phases[1])).toBe('COMPLETE');
  });
});

describe('step factory errors (reference §3.8.1, §9.5, §10.3 quirk 6)', () => {
  it('tasks sharing a resource set in one step → an ERROR step named <pod>-<index>; plan ERROR', () => {
    // sdk-fixtures/shared-resource-set.yml
    const spec = serviceSpec([pod('pod', 2, [task('init', { goal: 'ONCE', resourceSet: 'shared-resources' }), task('server', { resourceSet: 'shared-resources' })])]);
    const [deploy] = generated(spec);
    const step = deploy.phases[0].steps[0];
    expect(step).toMatchObject({ name: 'pod-0', status: 'ERROR', requirement: { podType: 'pod', podIndex: 0, tasks: [] } });
    expect(step.errors).toEqual([
      'Attempted to simultaneously launch tasks: [init, server] in pod: pod-0 using the same resource set id: [shared-resources, shared-resources]. ' +
        'These tasks should either be run in separate steps or use different resource set ids',
    ]);
    expect(planStatus(deploy)).toBe('ERROR');
  });

  it('the same tasks in separate sub-lists are fine', () => {
    const spec = serviceSpec(
      [pod('pod', 1, [task('init', { goal: 'ONCE', resourceSet: 'shared-resources' }), task('server', { resourceSet: 'shared-resources' })])],
      [{ name: 'deploy', strategy: 'serial', phases: [phase('pod', 'pod', 'serial', [{ key: 'default', tasks: [['init'], ['server']] }])] }],
    );
    expect(generated(spec)[0].phases[0].steps.map((s) => `${s.name} ${s.status}`)).toEqual(['pod-0:[init] PENDING', 'pod-0:[server] PENDING']);
  });

  it('tasks with the same discovery prefix in one step → ERROR step', () => {
    const spec = serviceSpec([
      pod('pod', 1, [task('a', { discovery: { prefix: 'meta', visibility: 'FRAMEWORK' } }), task('b', { discovery: { prefix: 'meta', visibility: 'FRAMEWORK' } })]),
    ]);
    const step = generated(spec)[0].phases[0].steps[0];
    expect(step).toMatchObject({ name: 'pod-0', status: 'ERROR' });
    expect(step.errors[0]).toBe(
      'Attempted to simultaneously launch tasks: [a, b] in pod: pod-0 using the same DNS name: [meta, meta]. ' +
        'These tasks should either be run in separate steps or use different DNS names',
    );
  });
});

describe('YAML plans (reference §3.2, §3.3, §3.7)', () => {
  const deployPlan = (phaseName: string, strategy: PhaseSpec['strategy'] = 'serial'): PlanSpec => ({
    name: 'deploy',
    strategy: 'serial',
    phases: [phase(phaseName, 'hello', strategy)],
  });

  it('a phase without steps gets one step per instance with all tasks, under the declared strategy', () => {
    const [deploy] = generated(helloWorld([{ name: 'deploy', strategy: 'parallel', phases: [phase('worlds', 'world', 'parallel')] }]));
    expect(tree(deploy)).toMatchObject({
      strategy: 'parallel',
      phases: [{ name: 'worlds', strategy: 'parallel', steps: ['world-0:[server] (PENDING)', 'world-1:[server] (PENDING)'] }],
    });
  });

  it.each([
    ['canary', 'serial-canary'],
    ['serial-canary', 'serial-canary'],
    ['parallel-canary', 'parallel-canary'],
  ] as const)('phase strategy %s is reported as %s; its first two steps wait for proceeds', (strategy, name) => {
    const [deploy] = generated(serviceSpec([pod('hello', 3, [task('server')])], [deployPlan('hello', strategy)]));
    expect(tree(deploy).phases[0]).toEqual({
      name: 'hello',
      strategy: name,
      status: 'WAITING',
      steps: ['hello-0:[server] (WAITING)', 'hello-1:[server] (WAITING)', 'hello-2:[server] (PENDING)'],
    });
  });

  it('parallel-canary with custom steps is reported as dependency-canary', () => {
    const spec = serviceSpec([pod('hello', 2, [task('server')])], [
      { name: 'deploy', strategy: 'serial', phases: [phase('hello', 'hello', 'parallel-canary', [{ key: 'default', tasks: [['server']] }])] },
    ]);
    expect(strategyName(generated(spec)[0].phases[0].strategy)).toBe('dependency-canary');
  });

  it('custom plans come after deploy, in YAML order, created interrupted (WAITING unless complete)', () => {
    const spec = helloWorld([
      { name: 'sidecar', strategy: 'serial', phases: [phase('sidecar-deploy', 'hello', 'serial')] },
      deployPlan('hello'),
      { name: 'done', strategy: 'parallel', phases: [phase('done', 'world', 'parallel')] },
    ]);
    const plans = generated(spec, { initialStatus: (r) => (r.podType === 'world' ? 'COMPLETE' : 'PENDING') });
    expect(plans.map((p) => [p.name, p.strategy.interrupted, planStatus(p)])).toEqual([
      ['deploy', false, 'PENDING'],
      ['sidecar', true, 'WAITING'],
      ['done', true, 'COMPLETE'],
    ]);
  });

  describe('the update plan (reference §3.3)', () => {
    const spec = helloWorld([deployPlan('hello-deploy'), { name: 'update', strategy: 'parallel', phases: [phase('hello-update', 'hello', 'serial')] }]);

    it('before the deployment completed: update is dropped and deploy is used', () => {
      expect(generated(spec).map((p) => [p.name, p.phases.map((ph) => ph.name)])).toEqual([['deploy', ['hello-deploy']]]);
    });

    it('after: a plan named deploy with the update plan’s phases and strategy; no update plan', () => {
      const plans = generated(spec, { deploymentCompleted: true });
      expect(plans.map((p) => [p.name, strategyName(p.strategy), p.phases.map((ph) => ph.name)])).toEqual([['deploy', 'parallel', ['hello-update']]]);
      expect(plans[0].strategy.interrupted).toBe(false);
    });

    it('an update plan without deploy stands in for it once the deployment completed, and is missing before', () => {
      const onlyUpdate = helloWorld([{ name: 'update', strategy: 'serial', phases: [phase('hello-update', 'hello', 'serial')] }]);
      expect(generated(onlyUpdate, { deploymentCompleted: true }).map((p) => p.name)).toEqual(['deploy']);
      expect(generatePlans(onlyUpdate, options()).errors).toEqual(['No deploy plan provided: [update]']);
    });
  });
});

describe('plan-generation errors (reference §3.2, §9.7)', () => {
  const errorsOf = (plans: PlanSpec[], pods = [pod('hello', 2, [task('server'), task('once', { goal: 'ONCE', resourceSet: 'once-resources' }), task('other', { goal: 'ONCE', resourceSet: 'other-resources' })]), pod('world', 2, [task('server')])]) =>
    generatePlans(serviceSpec(pods, plans), options());

  it('no plan named deploy → "No deploy plan provided"', () => {
    expect(errorsOf([{ name: 'sidecar', strategy: 'serial', phases: [] }])).toEqual({ plans: [], errors: ['No deploy plan provided: [sidecar]'] });
  });

  it('unknown pod → "Unable to find pod"', () => {
    expect(errorsOf([{ name: 'deploy', strategy: 'serial', phases: [phase('p', 'nope', 'serial')] }]).errors).toEqual([
      "Unable to find pod 'nope' referenced by phase 'p'",
    ]);
  });

  it('invalid-plan-steps.yml: a repeated `0:` entry and a missing index are reported per phase', () => {
    const result = errorsOf([
      {
        name: 'deploy',
        strategy: 'serial',
        phases: [
          phase('hello-deploy', 'hello', 'serial', [
            { key: '0', tasks: [['once', 'other']] },
            { key: '0', tasks: [['server']] },
          ]),
          phase('world-deploy', 'world', 'serial', [{ key: '1', tasks: [['server']] }]),
        ],
      },
    ]);
    expect(result).toEqual({
      plans: [],
      errors: [
        "Duplicate key 0 (attempted merging values [[once, other]] and [[server]]) in phase 'hello-deploy'",
        "Malformed steps in phase 'world-deploy': Missing '0' step entry, and no 'default' defined",
      ],
    });
  });

  it('entries for indices beyond the count are ignored', () => {
    const result = errorsOf([{ name: 'deploy', strategy: 'serial', phases: [phase('w', 'world', 'serial', [{ key: 'default', tasks: [['server']] }, { key: '5', tasks: [['nope']] }])] }]);
    expect(result.errors).toEqual([]);
    expect(result.plans[0].phases[0].steps.map((s) => s.name)).toEqual(['world-0:[server]', 'world-1:[server]']);
  });

  it('a step naming unknown tasks → "Malformed step: step refers to a task that does not exist"', () => {
    const result = errorsOf([{ name: 'deploy', strategy: 'serial', phases: [phase('hello', 'hello', 'serial', [{ key: 'default', tasks: [['foo', 'bar']] }])] }]);
    expect(result.errors).toEqual(["Malformed step: step refers to a task that does not exist (phase 'hello', pod 'hello', tasks [foo, bar])"]);
  });

  it('an empty step list for an index (`- default: []`) yields no steps', () => {
    const result = errorsOf([{ name: 'deploy', strategy: 'serial', phases: [phase('hello', 'hello', 'serial', [{ key: 'default', tasks: [] }])] }]);
    expect(result.plans[0].phases[0].steps).toEqual([]);
  });

  it('unsupported strategies name the accepted ones as the original listed them', () => {
    const result = errorsOf([
      { name: 'deploy', strategy: 'random' as PlanSpec['strategy'], phases: [phase('hello', 'hello', 'zigzag' as PhaseSpec['strategy'])] },
      { name: 'other', strategy: 'diagonal' as PlanSpec['strategy'], phases: [] },
    ]);
    expect(result.errors).toEqual([
      "Unsupported phase strategy 'zigzag', expected one of: [canary, serial, parallel, parallel-canary, serial-canary] (phase 'hello')",
      "Unsupported plan strategy 'diagonal', expected one of: [parallel, serial] (plan 'other')",
    ]);
  });

  it('errors in a discarded update plan are still reported', () => {
    const result = errorsOf([
      { name: 'deploy', strategy: 'serial', phases: [phase('hello', 'hello', 'serial')] },
      { name: 'update', strategy: 'serial', phases: [phase('u', 'nope', 'serial')] },
    ]);
    expect(result.errors).toEqual(["Unable to find pod 'nope' referenced by phase 'u'"]);
  });
});

describe('every YAML strategy name of the table generates (reference §2.2)', () => {
  const cases: [PhaseSpec['strategy'], string, string, number][] = [
    // name, default phase's strategy, custom-steps phase's strategy, canary steps interrupted
    ['serial', 'serial', 'serial', 0],
    ['parallel', 'parallel', 'dependency', 0],
    ['serial-canary', 'serial-canary', 'serial-canary', 2],
    ['canary', 'serial-canary', 'serial-canary', 2],
    ['parallel-canary', 'parallel-canary', 'dependency-canary', 2],
  ];
  it('covers every name the spec accepts', () => {
    expect(cases.map((c) => c[0]).sort()).toEqual([...PHASE_STRATEGIES].sort());
  });
  it.each(cases)('%s', (name, defaultStrategy, customStrategy, interrupted) => {
    const spec = serviceSpec(
      [pod('hello', 3, [task('server')])],
      [{ name: 'deploy', strategy: 'serial', phases: [phase('plain', 'hello', name), phase('custom', 'hello', name, [{ key: 'default', tasks: [['server']] }])] }],
    );
    const [deploy] = generated(spec);
    expect(deploy.phases.map((p) => strategyName(p.strategy))).toEqual([defaultStrategy, customStrategy]);
    for (const p of deploy.phases) expect(p.steps.filter((s) => s.interrupted)).toHaveLength(interrupted);
  });
});
