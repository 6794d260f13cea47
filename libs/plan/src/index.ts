// The public surface of @marshal/plan (README "Public surface"); everything else is internal to the lib.

// The plan model (reference §1–§3): plain data from @marshal/contracts' plan-model, and pure functions over it.
export type { PlanContext } from './model/plan-context';
export { DEPLOY_PLAN, UPDATE_PLAN, RECOVERY_PLAN, DECOMMISSION_PLAN } from './model/plan-names';
export { aggregateStatus, isRunningStatus, type AggregateStatusInput } from './model/aggregate-status';
export { stepStatus, stepStatusFromTasks, displayStatus } from './model/step-status';
export {
  planStatus,
  phaseStatus,
  planErrors,
  isEligible,
  phaseCandidates,
  planCandidates,
  dirtyAssets,
  interruptPlan,
  proceedPlan,
  interruptPhase,
  proceedPhase,
  type PlanCandidate,
} from './model/plan-status';
export {
  BASIC_STRATEGIES,
  DEFAULT_CANARY_PROCEEDS,
  serialStrategy,
  parallelStrategy,
  randomStrategy,
  dependencyStrategy,
  canaryStrategy,
  canaryPeriod,
  strategyName,
  strategyCandidates,
  strategyInterrupted,
  interruptStrategy,
  proceedStrategy,
  type ChildView,
} from './model/strategy';
export {
  coordinatorCandidates,
  type CoordinatorCandidate,
  type CoordinatorOptions,
  type CoordinatorResult,
} from './model/coordinator';
export {
  stepAfterEvaluation,
  stepAfterTaskStatus,
  planAfterTaskStatus,
  stepAfterStart,
  stepAfterUnreserve,
  forceCompleteStep,
  restartStep,
  readinessCheckPassed,
  goalReached,
  initialStepStatus,
  type TaskStatusInput,
  type TaskStatusOutcome,
  type StoredTaskGoalView,
} from './model/step-lifecycle';
export {
  DEFAULT_BACKOFF,
  recordFailure,
  clearDelay,
  delayActive,
  remainingDelay,
  backoffContext,
  type BackoffParams,
  type BackoffDelay,
  type BackoffState,
} from './model/backoff';
export {
  ALREADY_REPORTED_MESSAGE,
  applyPlanCommand,
  type PlanCommandInput,
  type PlanCommandCode,
  type PlanCommandOutcome,
  type PlanCommandResult,
} from './model/plan-commands';
export { LOADER_VARIABLES, LOADER_PREFIXES, parameterNameProblem } from './model/plan-parameters';
export { generatePlans, type GenerateOptions, type GeneratedPlans } from './model/plan-generation';
export {
  recoveryRequirements,
  tasksGoneByOperator,
  newRecoveryPlan,
  nextRecoveryPlan,
  type RecoveryTaskView,
  type RecoveryInput,
} from './model/recovery';
export {
  UNKNOWN_AGENT,
  decommissionPlan,
  uninstallPlan,
  type DecommissionTaskView,
  type DecommissionResult,
  type UninstallTaskView,
} from './model/teardown-plans';
export { toPlanTree, type TreeDisplay } from './model/plan-tree';

// The service aggregate plan-manager runs: fold, decider, policies, queries.
export {
  initialServiceState,
  evolveService,
  evolvePlan,
  type ServiceState,
  type TaskRecord,
  type ConfigRecord,
  type PublishedView,
  type GoalOverride,
  type StepLineage,
  type StepProgress,
} from './service/service-state';
export type { ServiceCommand, PlanCommand, PodCommand, OfferEvaluationResult } from './service/service.commands';
export { decide } from './service/service.decider';
export {
  NO_DECISION,
  isEmpty,
  acceptedOrThrow,
  type Decision,
  type DecisionContext,
  type DecideResult,
  type RejectionCode,
} from './service/decision';
export { reactToEvent } from './service/react.policy';
export { reconcileService, plansForInstall, deployAndCustomPlans } from './service/reconcile.policy';
export { publishStatuses } from './service/publish.policy';
export {
  DEFAULT_MAX_EVENT_BYTES,
  DEFAULT_PLAN_LIMITS,
  encodedBytes,
  oversizedEvent,
  planBoundProblems,
  podCountProblem,
  podInstances,
  type PlanBoundProblem,
  type PlanLimits,
} from './service/plan-limits';
export { candidatesOf, planContext } from './service/service.queries';
export { overdueSteps } from './service/progress-deadline';
export { pausedTaskInfo } from './service/paused-task';
export {
  DEFAULT_PAUSE_OVERRIDE_CMD,
  backoffParams,
  permanentFailureTimeoutMs,
  progressDeadlineMs,
  planDeadlineVariable,
} from './service/service-settings';

// Views the gateway serves.
export { HEALTH, serviceHealth, planHasErrors, frameworkHealthCode, type HealthName, type HealthResult, type HealthPlanView } from './health/service-health';
export { evolveDeployment, NO_DEPLOYMENT, type DeploymentFacts } from './service/deployment';
export { debugPlans, type DebugPlanInput, type DebugPlansFilter, type DebugPlansResult } from './debug/debug-plans';
