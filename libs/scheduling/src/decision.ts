import type { CommandRequest, EventMeta, MarshalEvent, Subjects } from '@marshal/contracts';
import type { Chain } from './lineage';

/**
 * One event to append, decided by a rule and committed by the app as is, in order (STYLE.md "Decide, then commit";
 * Nomad's scheduler computes a plan, its planner applies it). `msgId` de-duplicates a retried append;
 * `expectedLastSubjectSeq` makes the append fail with CONFLICT if another writer moved the subject first.
 */
export interface Append {
  subject: string;
  event: MarshalEvent;
  msgId?: string;
  expectedLastSubjectSeq?: number;
}

/** What the coordinator tells plan-manager about a step (`plan.offer-evaluated`). */
export type StepResult = CommandRequest<'plan.offer-evaluated'>['result'];

/**
 * A report about a step, with the id of the event it is about (`about`): plan-manager's transition names it as its
 * cause, and it keys the reply remembered for retries, so it must be this step's alone.
 */
export interface StepReport {
  result: StepResult;
  about?: string;
}

/** The decision for one step: the events to append, then the report to send. */
export interface StepDecision {
  appends: Append[];
  report: StepReport;
}

/** What every rule needs besides the folded state: the subjects, the time and ids (passed in, never read), who acts. */
export interface DecisionContext {
  subjects: Subjects;
  /** ISO-8601; the `at` of every event decided. */
  now: string;
  newId: () => string;
  actor: string;
}

/** The envelope fields of an event decided in `ctx` on `chain`. */
export function metaOf(ctx: DecisionContext, chain: Chain): EventMeta {
  return { id: ctx.newId(), at: ctx.now, correlationId: chain.correlationId, causationId: chain.causationId, actor: ctx.actor };
}
