import type { RecoveryType, STEP_KINDS, Status } from '@marshal/contracts';

/**
 * The plan model: plain, JSON-serialisable data (reference §1.1). Functions of this lib return new values and never
 * mutate their inputs.
 */

export type StepKind = (typeof STEP_KINDS)[number];

/** What a step asks the offer evaluator for: a pod instance and the tasks to launch in it (reference §1.6.1). */
export interface Requirement {
  podType: string;
  podIndex: number;
  /** Task names within the pod spec, e.g. `["server"]`, in the order the step launches them. */
  tasks: string[];
  recoveryType: RecoveryType;
}

/** One task launched by a step's last evaluation, with the step's view of it (reference §1.6.2 task map). */
export interface LaunchedTask {
  taskId: string;
  /** Task instance name, e.g. `hello-0-server`. */
  taskName: string;
  status: Status;
}

export interface StepModel {
  id: string;
  name: string;
  kind: StepKind;
  /** The internal status: never WAITING or IN_PROGRESS; `stepStatus` gives the reported one. */
  status: Status;
  /** Set by a canary strategy or an operator restart's proceed (reference §1.4). */
  interrupted: boolean;
  /** Deployment and recovery steps only (reference §1.6). */
  requirement?: Requirement;
  /** What a decommission/uninstall step acts on: a task name, task id or resource id. */
  target?: string;
  errors: string[];
  /** Plan parameters, added to the launched tasks' environment (reference §3.7). */
  parameters: Record<string, string>;
  /** Tasks launched by the last evaluation; status updates for other task ids are ignored. */
  launched: LaunchedTask[];
  /** Evaluated at least once (or a launched task was lost): no launch shows as PREPARED instead of PENDING. */
  prepared: boolean;
}

/**
 * Serial: at most one child at a time, in children order. `chain` holds the ids of the children that were not
 * complete when the strategy was built (reference §2.2: the original built it on first use); each of them waits for
 * every earlier id in the chain, while children outside the chain have no prerequisites.
 */
export interface SerialStrategyModel {
  type: 'serial';
  interrupted: boolean;
  chain: string[];
}

/** Parallel: every eligible child. */
export interface ParallelStrategyModel {
  type: 'parallel';
  interrupted: boolean;
}

/** Random: one eligible child, chosen with the context's `random`. Not reachable from YAML. */
export interface RandomStrategyModel {
  type: 'random';
  interrupted: boolean;
}

/** Dependency: explicit prerequisites per child id (not transitive: every ancestor is listed). */
export interface DependencyStrategyModel {
  type: 'dependency';
  interrupted: boolean;
  prerequisites: Record<string, string[]>;
}

export type BasicStrategyModel =
  | SerialStrategyModel
  | ParallelStrategyModel
  | RandomStrategyModel
  | DependencyStrategyModel;

/**
 * Canary over steps (reference §2.2): the selected steps were interrupted when the strategy was built; each phase
 * proceed releases one of them, and once none is interrupted the inner strategy decides.
 */
export interface CanaryStrategyModel {
  type: 'canary';
  inner: BasicStrategyModel;
  /** Ids of the selected canary steps, in children order. */
  canarySteps: string[];
  requiredProceeds: number;
}

export type StrategyModel = BasicStrategyModel | CanaryStrategyModel;

export interface PhaseModel {
  id: string;
  name: string;
  strategy: StrategyModel;
  steps: StepModel[];
}

export interface PlanModel {
  name: string;
  /** Plans never use a canary (reference §2.2); the plan's interrupted flag lives here (reference §1.1). */
  strategy: BasicStrategyModel;
  phases: PhaseModel[];
  /** The plan's own errors, e.g. configuration validation errors attached to `deploy` (reference §3.0 step 6). */
  errors: string[];
}

/** What status computations need from outside the plan. */
export interface PlanContext {
  /**
   * Whether a task instance (`hello-0-server`) has an active back-off delay now (reference §1.6.3).
   * Absent: no delay is ever active, as with back-off disabled, so DELAYED steps report PENDING.
   */
  delayActive?: (taskName: string) => boolean;
  /** Random source in [0, 1) for the random strategy. Absent: the first eligible child is picked. */
  random?: () => number;
}
