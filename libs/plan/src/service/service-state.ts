import type {
  GoalState,
  MarshalEvent,
  OverrideProgress,
  OverrideTarget,
  PlanModel,
  Recorded,
  ServiceSpec,
  Status,
  Subjects,
  TaskState,
  ValidationError,
} from '@marshal/contracts';
import type { BackoffState } from '../model/backoff';

/** One task instance (`hello-0-server`) as the log knows it: its latest launch and what became of it. */
export interface TaskRecord {
  taskId: string;
  taskName: string;
  taskSpecName: string;
  podType: string;
  podIndex: number;
  agentId: string;
  /** Configuration the task was launched with (label `target_configuration`). */
  configId: string;
  goal: GoalState;
  essential: boolean;
  hasReadinessCheck: boolean;
  lastState?: TaskState;
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
  rejected: ValidationError[];
  // .task.*
  tasks: Record<string, TaskRecord>;
  // .plan
  plans: PlanModel[];
  /** Configuration the plans were generated from. */
  plansConfigId: string | null;
  published: Record<string, PublishedView>;
  deploymentCompleted: boolean;
  backoff: BackoffState;
  overrides: Record<string, { target: OverrideTarget; progress: OverrideProgress }>;
  permanentlyFailed: Record<string, true>;
  /** Per step id: the correlation and id of the event that last changed the step (what its next work continues). */
  stepLineage: Record<string, { correlationId: string; causationId: string }>;
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

function mapStep(plans: PlanModel[], planName: string, stepId: string, f: (s: PlanModel['phases'][number]['steps'][number]) => PlanModel['phases'][number]['steps'][number]): PlanModel[] {
  return plans.map((p) =>
    p.name !== planName ? p : { ...p, phases: p.phases.map((ph) => ({ ...ph, steps: ph.steps.map((s) => (s.id === stepId ? f(s) : s)) })) },
  );
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
    case 'TaskLaunched': {
      const t = e.data.task;
      const spec = s.configs[t.configId]?.spec;
      const taskSpec = spec?.pods.find((p) => p.type === t.podType)?.tasks.find((x) => x.name === t.taskSpecName);
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
            configId: t.configId,
            goal: t.goal,
            essential: t.essential,
            hasReadinessCheck: !!(taskSpec?.readinessCheck ?? t.readinessCheck),
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
      return { ...s, tasks: { ...s.tasks, [t.taskName]: { ...t, lastState: e.data.state, readinessPassed } } };
    }
    case 'TaskKillRequested': {
      const t = s.tasks[e.data.taskName];
      if (!t || t.taskId !== e.data.taskId) return s;
      return { ...s, tasks: { ...s.tasks, [t.taskName]: { ...t, killRequested: true } } };
    }
    case 'PlanGenerated': {
      const lineage = { ...s.stepLineage };
      for (const phase of e.data.model.phases) for (const step of phase.steps) lineage[step.id] = { correlationId: e.correlationId, causationId: e.id };
      return { ...s, plans: replacePlan(s.plans, e.data.model, e.data.order), plansConfigId: e.data.configId, stepLineage: lineage };
    }
    case 'StepStatusChanged': {
      const d = e.data;
      return {
        ...s,
        plans: mapStep(s.plans, d.plan, d.stepId, (step) => ({ ...step, status: d.to, launched: d.launched, prepared: d.prepared, errors: d.errors })),
        stepLineage: { ...s.stepLineage, [d.stepId]: { correlationId: e.correlationId, causationId: e.id } },
      };
    }
    case 'PlanStatusChanged': {
      const d = e.data;
      const prev = s.published[d.plan] ?? { status: d.status, errors: [], phases: {}, steps: {} };
      const phases = { ...prev.phases };
      for (const p of d.phases) phases[p.id] = p.status;
      const steps = { ...prev.steps };
      for (const st of d.steps) steps[st.id] = st.status;
      return {
        ...s,
        published: { ...s.published, [d.plan]: { status: d.status, errors: d.errors, phases, steps } },
        deploymentCompleted: s.deploymentCompleted || (d.plan === 'deploy' && d.status === 'COMPLETE'),
      };
    }
    default:
      return s;
  }
}
