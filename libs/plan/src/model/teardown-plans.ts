import type { OverrideTarget, ServiceSpec, TaskState } from '@marshal/contracts';
import { DECOMMISSION_PLAN, DEPLOY_PLAN } from './plan-names';
import { phaseView } from './plan-status';
import { podInstanceName } from '@marshal/contracts';
import { dependencyStrategy, parallelStrategy, serialStrategy } from './strategy';
import type { BasicStrategyModel, PhaseModel, PlanModel, StepKind, StepModel } from '@marshal/contracts';

/** A step without requirement that acts on one task, resource or the framework (reference §1.6). */
function actionStep(kind: StepKind, name: string, newId: () => string, target?: string): StepModel {
  return {
    id: newId(),
    name,
    kind,
    status: 'PENDING',
    interrupted: false,
    ...(target === undefined ? {} : { target }),
    errors: [],
    parameters: {},
    launched: [],
    prepared: false,
  };
}

function phase(name: string, steps: StepModel[], strategy: 'serial' | 'parallel', newId: () => string): PhaseModel {
  return { id: newId(), name, strategy: strategy === 'serial' ? serialStrategy(steps) : parallelStrategy(), steps };
}

const distinct = (xs: readonly string[]) => [...new Set(xs)];
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A stored task as decommissioning sees it (reference §3.5). */
export interface DecommissionTaskView {
  /** Task instance name, e.g. `world-1-server`. */
  taskName: string;
  podType: string;
  podIndex: number;
  /** Reservation ids of the task's and its executor's resources. */
  resourceIds: string[];
  /** The task's goal-state override target; absent means NONE. */
  override?: OverrideTarget;
}

export interface DecommissionResult {
  /** Absent when nothing is to be decommissioned. */
  plan?: PlanModel;
  /** Tasks to decommission not yet marked: store override DECOMMISSIONED / PENDING. */
  markDecommissioning: string[];
  /** Tasks marked DECOMMISSIONED that are no longer to be (an aborted scale-in): reset their override to inactive. */
  clearDecommissioning: string[];
}

/**
 * The decommission plan (reference §3.5, §9.9): stored tasks whose pod type left the spec or whose index reached
 * the count; one serial phase per pod instance — stray pod types first (alphabetically), then pod types in reverse
 * spec order, higher indices first — with `kill-<task>` steps, `unreserve-<resource id>` per distinct reservation
 * and `erase-<task>` steps. `tasks` come in state-store order, which orders steps within a phase.
 */
export function decommissionPlan(
  spec: ServiceSpec,
  tasks: readonly DecommissionTaskView[],
  newId: () => string,
): DecommissionResult {
  const reversedTypes = spec.pods.map((p) => p.type).reverse();
  const counts = new Map(spec.pods.map((p) => [p.type, p.count]));
  const leaving = tasks.filter((t) => {
    const count = counts.get(t.podType);
    return count === undefined || t.podIndex >= count;
  });
  const leavingNames = new Set(leaving.map((t) => t.taskName));

  const pods = new Map<string, DecommissionTaskView[]>();
  for (const t of leaving) {
    const name = podInstanceName(t.podType, t.podIndex);
    pods.set(name, [...(pods.get(name) ?? []), t]);
  }
  const order = (a: DecommissionTaskView, b: DecommissionTaskView) => {
    const ia = reversedTypes.indexOf(a.podType); // -1 (not in the spec) comes first
    const ib = reversedTypes.indexOf(b.podType);
    if (ia !== ib) return ia - ib;
    if (ia === -1 && a.podType !== b.podType) return byCodeUnits(a.podType, b.podType);
    return b.podIndex - a.podIndex;
  };
  const podTasks = [...pods.values()].sort((a, b) => order(a[0], b[0]));

  const result: DecommissionResult = {
    markDecommissioning: leaving.filter((t) => t.override !== 'DECOMMISSIONED').map((t) => t.taskName),
    clearDecommissioning: tasks
      .filter((t) => t.override === 'DECOMMISSIONED' && !leavingNames.has(t.taskName))
      .map((t) => t.taskName),
  };
  if (podTasks.length === 0) return result;

  const phases = podTasks.map((ts) =>
    phase(
      podInstanceName(ts[0].podType, ts[0].podIndex),
      [
        ...ts.map((t) => actionStep('kill', `kill-${t.taskName}`, newId, t.taskName)),
        ...distinct(ts.flatMap((t) => t.resourceIds)).map((id) => actionStep('unreserve', `unreserve-${id}`, newId, id)),
        ...ts.map((t) => actionStep('erase', `erase-${t.taskName}`, newId, t.taskName)),
      ],
      'serial',
      newId,
    ),
  );
  return { ...result, plan: { name: DECOMMISSION_PLAN, strategy: serialStrategy(phases.map((p) => phaseView(p))), phases, errors: [] } };
}

/** A stored task as uninstalling sees it (reference §3.6). */
export interface UninstallTaskView {
  taskId: string;
  taskName: string;
  /** Hostname of the agent the task was placed on; absent when unknown. */
  hostname?: string;
  /** Reservation ids of the task's and its executor's resources. */
  resourceIds: string[];
  permanentlyFailed: boolean;
  /** State of the latest status of this task id, if any. */
  lastState?: TaskState;
}

export const UNKNOWN_AGENT = 'UNKNOWN_AGENT';

/**
 * The uninstall plan, exposed as `deploy` (reference §3.6, §9.9): `kill-tasks` (parallel, `kill-task-<task id>`),
 * one parallel `unreserve-resources-<hostname>` phase per agent (hostnames and resource ids sorted), `tls-cleanup`
 * when a task uses transport encryption, then `deregister-service`, which waits for all the others.
 */
export function uninstallPlan(spec: ServiceSpec, tasks: readonly UninstallTaskView[], newId: () => string): PlanModel {
  const phases: PhaseModel[] = [
    phase('kill-tasks', tasks.map((t) => actionStep('kill', `kill-task-${t.taskId}`, newId, t.taskId)), 'parallel', newId),
  ];
  // Permanently failed tasks in TASK_ERROR never got their reservations (the original logged them before reserving).
  const reserved = tasks.filter((t) => !(t.permanentlyFailed && t.lastState === 'TASK_ERROR'));
  const byHost = new Map<string, string[]>();
  for (const t of reserved) {
    const host = t.hostname ?? UNKNOWN_AGENT;
    byHost.set(host, [...(byHost.get(host) ?? []), ...t.resourceIds]);
  }
  for (const host of [...byHost.keys()].sort(byCodeUnits)) {
    const ids = distinct(byHost.get(host) ?? []).sort(byCodeUnits);
    phases.push(phase(`unreserve-resources-${host}`, ids.map((id) => actionStep('unreserve', `unreserve-${id}`, newId, id)), 'parallel', newId));
  }
  if (spec.pods.some((p) => p.tasks.some((t) => t.transportEncryption.length > 0))) {
    phases.push(phase('tls-cleanup', [actionStep('tls-cleanup', 'tls-cleanup', newId)], 'serial', newId));
  }
  const deregister = phase('deregister-service', [actionStep('deregister', 'deregister', newId)], 'serial', newId);
  const strategy: BasicStrategyModel = dependencyStrategy({ [deregister.id]: phases.map((p) => p.id) });
  return { name: DEPLOY_PLAN, strategy, phases: [...phases, deregister], errors: [] };
}
