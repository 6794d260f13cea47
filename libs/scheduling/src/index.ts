// The rules that span two domain libraries (plan, offer, spec), each declared once: see README.md.

// --- The coordinator's decisions: its fold, and what it appends for a candidate, a placement, a timeout. ---
export { type Append, type StepResult, type StepReport, type StepDecision, type DecisionContext, metaOf } from './decision';
export { chainOf, sharedChainOf, type Chain } from './lineage';
export { CoordinatorFold, type TaskFact, type ConfigFact } from './coordinator.fold';
export { triage, decideStep, resumedReports, noFitReport, type Triage } from './candidate.rules';
export { killReplaced, killStep } from './kill.rules';
export { unreserveStep, releaseMovedReservation } from './release.rules';
export { reserveOnAgent, type Proposed, type ReservationDecision } from './reserve.rule';
export { taskIdFor, launchSettings, launchTasks, type SchedulerApi, type LaunchInput, type LaunchDecision } from './launch.rules';
export { detectLostAgents, type Liveness } from './lost-agent.rule';
// --- end of the coordinator's decisions ---

// --- Rules spanning spec, plan and offer: configuration decisions (README "Rules spanning spec, plan and offer"). ---
export * from './configuration/placement-validation';
export * from './configuration/configuration.decision';
