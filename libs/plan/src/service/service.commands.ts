import type { CommandRequest, PlanAction, PodAction } from '@marshal/contracts';

/** An operator command on a plan (reference §6.2). */
export interface PlanCommand {
  plan: string;
  action: PlanAction;
  phase?: string;
  step?: string;
  parameters?: Record<string, string>;
}

/** An operator command on a pod instance (reference §6.3). */
export interface PodCommand {
  pod: string;
  action: PodAction;
  /** pause/resume only: short (`server`) or full (`hello-0-server`) task names; absent or empty: every task. */
  tasks?: string[];
}

/** What the coordinator reports about a candidate step (reference §1.6.2 updateOfferStatus). */
export type OfferEvaluationResult = CommandRequest<'plan.offer-evaluated'>['result'];

/**
 * Every command the service aggregate decides on (`decide`). Reactions to other writers' events and the
 * level-triggered fixes are policies (`reactToEvent`, `reconcileService`), not commands.
 */
export type ServiceCommand =
  | { type: 'ReportOfferEvaluation'; plan: string; stepId: string; result: OfferEvaluationResult }
  | { type: 'ApplyPlanCommand'; command: PlanCommand }
  | { type: 'ApplyPodCommand'; command: PodCommand }
  | { type: 'UninstallService' }
  /** Time passed: no decision of its own; the reconcile and publish policies that follow apply the time-based rules. */
  | { type: 'Tick' };
