import { taskInstanceName, type OverrideTarget } from '@marshal/contracts';
import { phaseCandidates, planCandidates, planStatus } from './plan-status';
import { decommissionPlan, uninstallPlan, type DecommissionTaskView, type UninstallTaskView } from './teardown-plans';
import { strategyName } from './strategy';
import { idGenerator, pod, serviceSpec, task } from './testing';
import type { PlanModel } from '@marshal/contracts';

/** DecommissionPlanFactoryTest's stored tasks: name, resource count, and the override each had. */
const STORED: [string, number, string, number, OverrideTarget | undefined][] = [
  ['podA', 0, 'taskA', 1, 'DECOMMISSIONED'],
  ['podA', 1, 'taskA', 2, 'DECOMMISSIONED'],
  ['podA', 2, 'taskA', 3, undefined],
  ['podB', 0, 'taskA', 1, 'PAUSED'],
  ['podB', 0, 'taskB', 2, 'DECOMMISSIONED'],
  ['podB', 1, 'taskA', 1, 'DECOMMISSIONED'],
  ['podB', 1, 'taskB', 2, undefined],
  ['podC', 0, 'taskA', 3, 'PAUSED'],
  ['podD', 0, 'taskA', 3, 'DECOMMISSIONED'],
  ['podD', 1, 'taskA', 1, 'DECOMMISSIONED'],
  ['podE', 0, 'taskA', 2, undefined],
];

const storedTasks: DecommissionTaskView[] = STORED.map(([podType, podIndex, t, resources, override]) => {
  const taskName = taskInstanceName(podType, podIndex, t);
  return {
    taskName,
    podType,
    podIndex,
    resourceIds: Array.from({ length: resources }, (_, i) => `${taskName}-resource${i}`),
    ...(override ? { override } : {}),
  };
});

const counts = (entries: [string, number][]) => serviceSpec(entries.map(([type, count]) => pod(type, count, [task('taskA')])));
const stepNames = (plan: PlanModel, phase: string) => plan.phases.find((p) => p.name === phase)?.steps.map((s) => s.name);

describe('decommission plan (reference §3.5, §9.9)', () => {
  const spec = counts([
    ['podA', 1],
    ['podB', 1],
    ['podC', 1],
  ]);
  const result = decommissionPlan(spec, storedTasks, idGenerator());
  const plan = result.plan as PlanModel;

  it('pod order: podD-1, podD-0, podE-0, podB-1, podA-2, podA-1; plan serial and PENDING', () => {
    expect(plan.name).toBe('decommission');
    expect(plan.phases.map((p) => p.name)).toEqual(['podD-1', 'podD-0', 'podE-0', 'podB-1', 'podA-2', 'podA-1']);
    expect(strategyName(plan.strategy)).toBe('serial');
    expect(plan.phases.every((p) => strategyName(p.strategy) === 'serial')).toBe(true);
    expect(planStatus(plan)).toBe('PENDING');
  });

  it('14 unreserve steps in 6 phases', () => {
    expect(plan.phases.flatMap((p) => p.steps).filter((s) => s.kind === 'unreserve')).toHaveLength(14);
  });

  it('phase podD-1: kill, unreserve, erase', () => {
    expect(stepNames(plan, 'podD-1')).toEqual(['kill-podD-1-taskA', 'unreserve-podD-1-taskA-resource0', 'erase-podD-1-taskA']);
  });

  it('phase podB-1: kills, then every reservation, then erases', () => {
    expect(stepNames(plan, 'podB-1')).toEqual([
      'kill-podB-1-taskA',
      'kill-podB-1-taskB',
      'unreserve-podB-1-taskA-resource0',
      'unreserve-podB-1-taskB-resource0',
      'unreserve-podB-1-taskB-resource1',
      'erase-podB-1-taskA',
      'erase-podB-1-taskB',
    ]);
    expect(plan.phases[3].steps.map((s) => [s.kind, s.target])).toEqual([
      ['kill', 'podB-1-taskA'],
      ['kill', 'podB-1-taskB'],
      ['unreserve', 'podB-1-taskA-resource0'],
      ['unreserve', 'podB-1-taskB-resource0'],
      ['unreserve', 'podB-1-taskB-resource1'],
      ['erase', 'podB-1-taskA'],
      ['erase', 'podB-1-taskB'],
    ]);
  });

  it('stale DECOMMISSIONED overrides are cleared; tasks to decommission without one are marked', () => {
    expect(result.clearDecommissioning).toEqual(['podA-0-taskA', 'podB-0-taskB']);
    expect(result.markDecommissioning).toEqual(['podA-2-taskA', 'podB-1-taskB', 'podE-0-taskA']);
  });

  it('a reservation shared by tasks of a pod (the executor’s) gets one step', () => {
    const shared = decommissionPlan(counts([['pod', 0]]), [
      { taskName: 'pod-0-a', podType: 'pod', podIndex: 0, resourceIds: ['r-a', 'r-exec'] },
      { taskName: 'pod-0-b', podType: 'pod', podIndex: 0, resourceIds: ['r-b', 'r-exec'] },
    ], idGenerator());
    expect(stepNames(shared.plan as PlanModel, 'pod-0')).toEqual(['kill-pod-0-a', 'kill-pod-0-b', 'unreserve-r-a', 'unreserve-r-exec', 'unreserve-r-b', 'erase-pod-0-a', 'erase-pod-0-b']);
  });

  it('the steps of a phase run one at a time and phases in order', () => {
    expect(planCandidates(plan, []).map((c) => c.step.name)).toEqual(['kill-podD-1-taskA']);
  });

  it('counts raised (podA=3, podB=100, podD=2, podE=2) → no plan, every stale override cleared, nothing marked', () => {
    const none = decommissionPlan(
      counts([
        ['podA', 3],
        ['podB', 100],
        ['podC', 1],
        ['podD', 2],
        ['podE', 2],
      ]),
      storedTasks,
      idGenerator(),
    );
    expect(none.plan).toBeUndefined();
    expect(none.markDecommissioning).toEqual([]);
    expect(none.clearDecommissioning).toEqual(['podA-0-taskA', 'podA-1-taskA', 'podB-0-taskB', 'podB-1-taskA', 'podD-0-taskA', 'podD-1-taskA']);
  });
});

describe('uninstall plan (reference §3.6, §9.9)', () => {
  const spec = serviceSpec([pod('hello', 1, [task('server')])]);
  const t = (taskId: string, resourceIds: string[], extra: Partial<UninstallTaskView> = {}): UninstallTaskView => ({
    taskId,
    taskName: taskId.split('__')[1] ?? taskId,
    resourceIds,
    permanentlyFailed: false,
    ...extra,
  });
  const shape = (plan: PlanModel) => plan.phases.map((p) => [p.name, strategyName(p.strategy), p.steps.map((s) => s.name)]);

  it('one task with 3 resources → kill, 3 unreserves, deregister; all PENDING; exposed as deploy', () => {
    const plan = uninstallPlan(spec, [t('svc__hello-0-server__1', ['r3', 'r1', 'r2'], { hostname: 'host-1' })], idGenerator());
    expect(plan.name).toBe('deploy');
    expect(strategyName(plan.strategy)).toBe('dependency');
    expect(shape(plan)).toEqual([
      ['kill-tasks', 'parallel', ['kill-task-svc__hello-0-server__1']],
      ['unreserve-resources-host-1', 'parallel', ['unreserve-r1', 'unreserve-r2', 'unreserve-r3']],
      ['deregister-service', 'serial', ['deregister']],
    ]);
    expect(plan.phases.flatMap((p) => p.steps).every((s) => s.status === 'PENDING')).toBe(true);
    expect(planStatus(plan)).toBe('PENDING');
  });

  it('an unknown-host task and a task sharing resources on host-1 → 3 kills, 2 under UNKNOWN_AGENT, 4 de-duplicated on host-1', () => {
    const plan = uninstallPlan(
      spec,
      [
        t('task-1', ['r1', 'r2', 'r3'], { hostname: 'host-1' }),
        t('task-2', ['u1', 'u2']),
        t('task-3', ['r3', 'r4'], { hostname: 'host-1' }),
      ],
      idGenerator(),
    );
    expect(shape(plan)).toEqual([
      ['kill-tasks', 'parallel', ['kill-task-task-1', 'kill-task-task-2', 'kill-task-task-3']],
      ['unreserve-resources-UNKNOWN_AGENT', 'parallel', ['unreserve-u1', 'unreserve-u2']],
      ['unreserve-resources-host-1', 'parallel', ['unreserve-r1', 'unreserve-r2', 'unreserve-r3', 'unreserve-r4']],
      ['deregister-service', 'serial', ['deregister']],
    ]);
  });

  it('permanently failed tasks in TASK_ERROR contribute no unreserve steps (but are still killed)', () => {
    const plan = uninstallPlan(spec, [t('task-1', ['r1'], { hostname: 'h', permanentlyFailed: true, lastState: 'TASK_ERROR' }), t('task-2', ['r2'], { hostname: 'h', permanentlyFailed: true, lastState: 'TASK_FAILED' })], idGenerator());
    expect(shape(plan)).toEqual([
      ['kill-tasks', 'parallel', ['kill-task-task-1', 'kill-task-task-2']],
      ['unreserve-resources-h', 'parallel', ['unreserve-r2']],
      ['deregister-service', 'serial', ['deregister']],
    ]);
  });

  it('a tls-cleanup phase when a task uses transport encryption', () => {
    const tls = serviceSpec([pod('hello', 1, [task('server', { transportEncryption: [{ name: 'server', type: 'TLS' }] })])]);
    expect(uninstallPlan(tls, [], idGenerator()).phases.map((p) => p.name)).toEqual(['kill-tasks', 'tls-cleanup', 'deregister-service']);
  });

  it('everything but deregister runs in parallel; deregister waits for the rest', () => {
    const plan = uninstallPlan(spec, [t('task-1', ['r1'], { hostname: 'h' })], idGenerator());
    expect(planCandidates(plan, []).map((c) => c.step.name)).toEqual(['kill-task-task-1', 'unreserve-r1']);
    const done = { ...plan, phases: plan.phases.map((p) => (p.name === 'deregister-service' ? p : { ...p, steps: p.steps.map((s) => ({ ...s, status: 'COMPLETE' as const })) })) };
    expect(planCandidates(done, []).map((c) => c.step.name)).toEqual(['deregister']);
    expect(phaseCandidates(done.phases[2], []).map((s) => s.name)).toEqual(['deregister']);
  });
});
