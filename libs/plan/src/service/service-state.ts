import type {
  GoalState,
  MarshalEvent,
  OverrideProgress,
  OverrideTarget,
  PhaseModel,
  PlanModel,
  Recorded,
  ServiceSpec,
  Status,
  StepModel,
  Subjects,
  TaskState,
  ValidationError,
} from '@marshal/contracts';
import { clearDelay, type BackoffState } from '../model/backoff';
import { RECOVERY_PLAN } from '../model/plan-names';
import { unskipped } from '../model/step-lifecycle';
import { withOwnInterrupted } from '../model/strategy';
import { evolveDeployment } from './deployment';

/** One task instance (`hello-0-server`) as the log knows it: its latest launch and what became of it. */
export interface TaskRecord {
  taskId: string;
  taskName: string;
  taskSpecName: string;
  podType: string;
  podIndex: number;
  agentId: string;
  hostname: string;
  /** The pod instance's reservation the task was launched on. */
  reservationId: string;
  /** Configuration the task was launched with (label `target_configuration`). */
  configId: string;
  goal: GoalState;
  essential: boolean;
  hasReadinessCheck: boolean;
  lastState?: TaskState;
  /** When the latest status was recorded (ISO-8601): how long a failed task has been down. */
  stateAt?: string;
  readinessPassed: boolean;
  killRequested: boolean;
}

export interface ConfigRecord {
  configId: string;
  spec: ServiceSpec;
  schedulerEnv: Record<string, string>;
  /** The configuration this one replaced, and its pod types that changed (reference §3.8.2 relabelling). */
  previousConfigId: string | null;
  changedPods: string[];
}

/** The derived statuses last published for a plan (PlanStatusChanged), so only changes are published. */
export interface PublishedView {
  status: Status;
  errors: string[];
  phases: Record<string, Status>;
  steps: Record<string, string>;
}

export interface GoalOverride {
  target: OverrideTarget;
  progress: OverrideProgress;
}

/** The chain a step belongs to: the correlation and id of the event that last changed or released it. */
export interface StepLineage {
  correlationId: string;
  causationId: string;
}

/** When a step last changed (or was released by an operator) and why: what a progress deadline reports. */
export interface StepProgress {
  at: string;
  reason: string;
}

/**
 * A service as plan-manager sees it: the fold of its history `<ns>.evt.svc.<service>.>`. Each part evolves only
 * from its own subject — configuration from `.config`, tasks from `.task.*`, plans from `.plan` — so the order in
 * which plan-manager applies its own events (at once) and others' (in log order) gives the same state as a replay.
 */
export interface ServiceState {
  service: string;
  // .config
  targetConfigId: string | null;
  configs: Record<string, ConfigRecord>;
  /** Errors of the last rejected configuration, until one is accepted; the deploy plan shows them (§3.0 step 6). */
  rejected: ValidationError[];
  // .task.*
  tasks: Record<string, TaskRecord>;
  // .plan
  plans: PlanModel[];
  /** Configuration the plans were generated from. */
  plansConfigId: string | null;
  published: Record<string, PublishedView>;
  deploymentCompleted: boolean;
  /** Back-off delays by task instance name (§1.6.3). */
  backoff: BackoffState;
  /** Goal-state overrides by task instance name (§1.6.4); absent = NONE/COMPLETE. */
  overrides: Record<string, GoalOverride>;
  /** Task ids labelled permanently failed: a relaunch gets a new id and is not (§3.4 "permanently-failed" label). */
  permanentlyFailed: Record<string, true>;
  progress: Record<string, StepProgress>;
  /** Uninstall started: the only plan is the uninstall plan named deploy (§3.6). */
  uninstalling: boolean;
  /** Per step id: the correlation and id of the event that last changed the step (what its next work continues). */
  stepLineage: Record<string, StepLineage>;
  /** Last sequence of the `.plan` subject: the expectation of plan-manager's next append. */
  planSeq: number;
  /** Last sequence folded. */
  seq: number;
}

export function initialServiceState(service: string): ServiceState {
  return {
    service,
    targetConfigId: null,
    configs: {},
    rejected: [],
    tasks: {},
    plans: [],
    plansConfigId: null,
    published: {},
    deploymentCompleted: false,
    backoff: {},
    overrides: {},
    permanentlyFailed: {},
    progress: {},
    uninstalling: false,
    stepLineage: {},
    planSeq: 0,
    seq: 0,
  };
}

function replacePlan(plans: PlanModel[], plan: PlanModel, order: number): PlanModel[] {
  const others = plans.filter((p) => p.name !== plan.name);
  const at = Math.min(order, others.length);
  return [...others.slice(0, at), plan, ...others.slice(at)];
}

function mapPlan(plans: PlanModel[], name: string, f: (p: PlanModel) => PlanModel): PlanModel[] {
  return plans.map((p) => (p.name === name ? f(p) : p));
}

function mapPhase(plan: PlanModel, phaseId: string, f: (p: PhaseModel) => PhaseModel): PlanModel {
  return { ...plan, phases: plan.phases.map((p) => (p.id === phaseId ? f(p) : p)) };
}

function mapStepOf(plan: PlanModel, stepId: string, f: (s: StepModel) => StepModel): PlanModel {
  return { ...plan, phases: plan.phases.map((ph) => (ph.steps.some((s) => s.id === stepId) ? { ...ph, steps: ph.steps.map((s) => (s.id === stepId ? f(s) : s)) } : ph)) };
}

/**
 * The effect of one plan event on one plan (reference §1.4, §1.5, §3.7): what operator commands change. Events for
 * other plans, and events that do not change a plan model, leave it as it is.
 */
export function evolvePlan(plan: PlanModel, e: MarshalEvent): PlanModel {
  if (!('plan' in e.data) || e.data.plan !== plan.name) return plan;
  switch (e.type) {
    case 'PlanInterrupted':
    case 'PlanProceeded':
      return { ...plan, strategy: { ...plan.strategy, interrupted: e.type === 'PlanInterrupted' } };
    case 'PhaseInterrupted':
    case 'PhaseProceeded': {
      const interrupted = e.type === 'PhaseInterrupted';
      return mapPhase(plan, e.data.phaseId, (p) => ({ ...p, strategy: withOwnInterrupted(p.strategy, interrupted) }));
    }
    case 'StepInterrupted':
    case 'StepProceeded': {
      const interrupted = e.type === 'StepInterrupted';
      return mapStepOf(plan, e.data.stepId, (s) => ({ ...s, interrupted }));
    }
    case 'PlanParametersSet': {
      const parameters = e.data.parameters;
      return { ...plan, phases: plan.phases.map((p) => ({ ...p, steps: p.steps.map((s) => ({ ...s, parameters: { ...parameters } })) })) };
    }
    case 'StepStatusChanged': {
      const d = e.data;
      return mapStepOf(plan, d.stepId, (s) => ({ ...unskipped(s), status: d.to, launched: d.launched, prepared: d.prepared, errors: d.errors, ...(d.skipped ? { skipped: true as const } : {}) }));
    }
    default:
      return plan;
  }
}

function stepIdsOf(plan: PlanModel | undefined, phaseId?: string): string[] {
  return (plan?.phases ?? []).filter((p) => phaseId === undefined || p.id === phaseId).flatMap((p) => p.steps.map((s) => s.id));
}

function touch(progress: Record<string, StepProgress>, ids: readonly string[], at: string, reason: string): Record<string, StepProgress> {
  if (ids.length === 0) return progress;
  const next = { ...progress };
  for (const id of ids) next[id] = { at, reason };
  return next;
}

/**
 * The steps' next work continues the chain of the event that last changed or released them (docs/architecture.md, lineage): a
 * configuration's or an operator's command then reaches every transition it caused.
 */
function continueChain(lineage: Record<string, StepLineage>, ids: readonly string[], e: MarshalEvent): Record<string, StepLineage> {
  if (ids.length === 0) return lineage;
  const next = { ...lineage };
  for (const id of ids) next[id] = { correlationId: e.correlationId, causationId: e.id };
  return next;
}

function withoutKeys<V>(record: Record<string, V>, keys: readonly string[]): Record<string, V> {
  if (!keys.some((k) => k in record)) return record;
  const next = { ...record };
  for (const k of keys) delete next[k];
  return next;
}

function setOverrides(state: ServiceState, tasks: readonly string[], o: GoalOverride): Record<string, GoalOverride> {
  const next = { ...state.overrides };
  for (const t of tasks) {
    if (o.target === 'NONE' && o.progress === 'COMPLETE') delete next[t];
    else next[t] = { ...o };
  }
  return next;
}

function clearDelays(backoff: BackoffState, tasks: readonly string[]): BackoffState {
  return tasks.reduce((b, t) => clearDelay(b, t), backoff);
}

/**
 * Folds one event of the service's history. Pure: returns a new state. Events of other services and events that
 * change nothing for plan-manager leave the state as it was (but for the sequence).
 */
export function evolveService(state: ServiceState, rec: Recorded<MarshalEvent>, subjects: Subjects): ServiceState {
  const e = rec.event;
  const s: ServiceState = { ...state, seq: Math.max(state.seq, rec.seq) };
  const parsed = subjects.parse(rec.subject);
  if (parsed?.kind === 'service' && parsed.stream === 'plan') s.planSeq = Math.max(s.planSeq, rec.seq);
  switch (e.type) {
    // .config
    case 'ConfigurationAccepted': {
      const d = e.data;
      return {
        ...s,
        targetConfigId: d.configId,
        rejected: [],
        configs: {
          ...s.configs,
          [d.configId]: { configId: d.configId, spec: d.spec, schedulerEnv: d.schedulerEnv, previousConfigId: d.previousConfigId, changedPods: d.changedPods },
        },
      };
    }
    case 'ConfigurationRejected':
      return { ...s, rejected: e.data.errors };
    case 'ConfigurationRevalidated':
      return { ...s, rejected: [] };

    // .task.*
    case 'TaskLaunched': {
      const t = e.data.task;
      return {
        ...s,
        tasks: {
          ...s.tasks,
          [t.taskName]: {
            taskId: t.taskId,
            taskName: t.taskName,
            taskSpecName: t.taskSpecName,
            podType: t.podType,
            podIndex: t.podIndex,
            agentId: e.data.agentId,
            hostname: e.data.hostname,
            reservationId: e.data.reservationId,
            configId: t.configId,
            goal: t.goal,
            essential: t.essential,
            // The TaskInfo's own check: a paused task's never-passing one counts (reference §1.6.4).
            hasReadinessCheck: !!t.readinessCheck,
            readinessPassed: false,
            killRequested: false,
          },
        },
      };
    }
    case 'TaskStatusUpdated': {
      const t = s.tasks[e.data.taskName];
      if (!t || t.taskId !== e.data.taskId) return s;
      const readinessPassed = e.data.readiness ? e.data.readiness.passed : e.data.state === 'TASK_RUNNING' ? t.readinessPassed || !t.hasReadinessCheck : false;
      return { ...s, tasks: { ...s.tasks, [t.taskName]: { ...t, lastState: e.data.state, stateAt: e.at, readinessPassed } } };
    }
    case 'TaskKillRequested': {
      const t = s.tasks[e.data.taskName];
      if (!t || t.taskId !== e.data.taskId) return s;
      return { ...s, tasks: { ...s.tasks, [t.taskName]: { ...t, killRequested: true } } };
    }
    case 'TaskErased': {
      const t = s.tasks[e.data.taskName];
      if (!t || t.taskId !== e.data.taskId) return s;
      return { ...s, tasks: withoutKeys(s.tasks, [t.taskName]) };
    }

    // .plan
    case 'PlanGenerated': {
      const d = e.data;
      const tree = d.plan;
      const published: PublishedView = {
        status: tree.status,
        errors: tree.errors,
        phases: Object.fromEntries(tree.phases.map((p) => [p.id, p.status])),
        steps: Object.fromEntries(tree.phases.flatMap((p) => p.steps.map((st) => [st.id, st.status]))),
      };
      return {
        ...s,
        plans: replacePlan(s.plans, d.model, d.order),
        plansConfigId: d.configId,
        published: { ...s.published, [d.model.name]: published },
        progress: touch(s.progress, stepIdsOf(d.model), e.at, 'generated'),
        stepLineage: continueChain(s.stepLineage, stepIdsOf(d.model), e),
      };
    }
    case 'StepStatusChanged':
      return {
        ...s,
        plans: s.plans.map((p) => evolvePlan(p, e)),
        progress: touch(s.progress, [e.data.stepId], e.at, e.data.reason),
        stepLineage: continueChain(s.stepLineage, [e.data.stepId], e),
      };
    case 'PlanInterrupted':
    case 'PhaseInterrupted':
    case 'StepInterrupted':
      return { ...s, plans: s.plans.map((p) => evolvePlan(p, e)) };
    case 'PlanProceeded':
    case 'PlanParametersSet': {
      // An operator's go-ahead restarts the progress clock of the steps it releases.
      const ids = stepIdsOf(s.plans.find((p) => p.name === e.data.plan));
      return {
        ...s,
        plans: s.plans.map((p) => evolvePlan(p, e)),
        progress: touch(s.progress, ids, e.at, `${e.type === 'PlanProceeded' ? 'continued' : 'started'} by ${e.actor}`),
        stepLineage: continueChain(s.stepLineage, ids, e),
      };
    }
    case 'PhaseProceeded': {
      const ids = stepIdsOf(s.plans.find((p) => p.name === e.data.plan), e.data.phaseId);
      return { ...s, plans: s.plans.map((p) => evolvePlan(p, e)), progress: touch(s.progress, ids, e.at, `continued by ${e.actor}`), stepLineage: continueChain(s.stepLineage, ids, e) };
    }
    case 'StepProceeded':
      return {
        ...s,
        plans: s.plans.map((p) => evolvePlan(p, e)),
        progress: touch(s.progress, [e.data.stepId], e.at, `released by ${e.actor}`),
        stepLineage: continueChain(s.stepLineage, [e.data.stepId], e),
      };
    case 'PlanRemoved': {
      const removed = s.plans.find((p) => p.name === e.data.plan);
      return {
        ...s,
        plans: s.plans.filter((p) => p.name !== e.data.plan),
        published: withoutKeys(s.published, [e.data.plan]),
        progress: withoutKeys(s.progress, stepIdsOf(removed)),
        stepLineage: withoutKeys(s.stepLineage, stepIdsOf(removed)),
      };
    }
    case 'RecoveryPlanChanged': {
      const d = e.data;
      const recovery = s.plans.find((p) => p.name === RECOVERY_PLAN);
      if (!recovery) return s;
      const removed = recovery.phases.filter((p) => d.removedPhases.includes(p.id));
      const removedSteps = removed.flatMap((p) => p.steps.map((st) => st.id));
      const view = s.published[RECOVERY_PLAN];
      return {
        ...s,
        plans: mapPlan(s.plans, RECOVERY_PLAN, (p) => ({ ...p, phases: [...p.phases.filter((ph) => !d.removedPhases.includes(ph.id)), ...d.added] })),
        published: view
          ? {
              ...s.published,
              [RECOVERY_PLAN]: {
                ...view,
                phases: { ...withoutKeys(view.phases, d.removedPhases), ...Object.fromEntries(d.addedTree.map((p) => [p.id, p.status])) },
                steps: { ...withoutKeys(view.steps, removedSteps), ...Object.fromEntries(d.addedTree.flatMap((p) => p.steps.map((st) => [st.id, st.status]))) },
              },
            }
          : s.published,
        progress: touch(withoutKeys(s.progress, removedSteps), d.added.flatMap((p) => p.steps.map((st) => st.id)), e.at, 'recovery needed'),
        stepLineage: continueChain(withoutKeys(s.stepLineage, removedSteps), d.added.flatMap((p) => p.steps.map((st) => st.id)), e),
      };
    }
    case 'PlanProgressed': {
      const d = e.data;
      const prev = s.published[d.plan];
      if (!prev) return s;
      const phases = { ...prev.phases };
      for (const p of d.phases) phases[p.id] = p.status;
      const steps = { ...prev.steps };
      for (const st of d.steps) steps[st.id] = st.status;
      return { ...s, published: { ...s.published, [d.plan]: { ...prev, phases, steps } } };
    }
    case 'PlanStatusChanged': {
      const d = e.data;
      const prev = s.published[d.plan] ?? { status: d.status, errors: [], phases: {}, steps: {} };
      const phases = { ...prev.phases };
      for (const p of d.phases) phases[p.id] = p.status;
      const steps = { ...prev.steps };
      for (const st of d.steps) steps[st.id] = st.status;
      // `last-completed-update-type` (reference §2.7), by the one rule every service folds.
      return evolveDeployment({ ...s, published: { ...s.published, [d.plan]: { status: d.status, errors: d.errors, phases, steps } } }, e);
    }
    case 'ServiceUninstallStarted':
      return evolveDeployment(s, e);
    case 'ServiceRemoved':
      // The service is gone; a later install under the same name starts afresh.
      return { ...initialServiceState(s.service), seq: s.seq, planSeq: s.planSeq };
    case 'PodRestartRequested':
      return { ...s, backoff: clearDelays(s.backoff, e.data.tasks) };
    case 'PodReplaceRequested': {
      const failed = { ...s.permanentlyFailed };
      for (const id of e.data.taskIds) failed[id] = true;
      return { ...s, backoff: clearDelays(s.backoff, e.data.tasks), permanentlyFailed: failed };
    }
    case 'PodPauseRequested':
      return { ...s, overrides: setOverrides(s, e.data.tasks, { target: 'PAUSED', progress: 'PENDING' }) };
    case 'PodResumeRequested':
      return { ...s, overrides: setOverrides(s, e.data.tasks, { target: 'NONE', progress: 'PENDING' }) };
    case 'GoalOverridesChanged': {
      let overrides = s.overrides;
      for (const o of e.data.overrides) overrides = setOverrides({ ...s, overrides }, [o.taskName], { target: o.target, progress: o.progress });
      return { ...s, overrides };
    }
    case 'TaskDelayed':
      return { ...s, backoff: { ...s.backoff, [e.data.taskName]: { delayMs: e.data.delayMs, since: e.data.since } } };
    case 'TaskDelaysCleared':
      return { ...s, backoff: clearDelays(s.backoff, e.data.tasks) };
    case 'TasksPermanentlyFailed': {
      const failed = { ...s.permanentlyFailed };
      for (const t of e.data.tasks) failed[t.taskId] = true;
      return { ...s, permanentlyFailed: failed };
    }
    // Facts of agents, the ledger, projections and state files: nothing plan-manager keeps.
    case 'AgentRegistered':
    case 'AgentLost':
    case 'ResourcesReserved':
    case 'ResourcesReservedBatch':
    case 'ResourcesReleased':
    case 'ProjectionRebuildStarted':
    case 'ProjectionRebuildCompleted':
    case 'StateFileStored':
      return s;
    default:
      return ignoredAtRuntime(e, s);
  }
}

/**
 * Exhaustiveness over the event union: a new event type is a compile error above until it is handled or listed as
 * ignored. At run time the catalogue only decodes known types, so nothing reaches here; the fold keeps its state.
 */
function ignoredAtRuntime(_event: never, state: ServiceState): ServiceState {
  return state;
}
