import {
  MarshalError,
  makeEvent,
  serviceAggregate,
  type ErrorCode,
  type EventData,
  type EventMeta,
  type EventType,
  type MarshalEvent,
  type PlanModel,
  type StepModel,
  type Subjects,
} from '@marshal/contracts';
import { toPlanTree } from '../model/plan-tree';
import type { PlanLimits } from './plan-limits';
import { allTasksPaused, planContext, type StepLocation } from './service.queries';
import type { ServiceState } from './service-state';

/** Clock, ids and the cause of a decision: domain code never reads them itself. */
export interface DecisionContext {
  now: string;
  newId: () => string;
  subjects: Subjects;
  correlationId: string;
  causationId: string | null;
  actor: string;
  /** Bounds of plans (plan-limits.ts); the defaults when not given. */
  limits?: PlanLimits;
}

/**
 * What plan-manager appends: plan events on the service's plan subject (in order, guarded by its last sequence), and
 * task facts (kill requests, erasures) on the task subjects of the agents concerned.
 */
export interface Decision {
  plan: MarshalEvent[];
  tasks: { subject: string; event: MarshalEvent }[];
}

export const NO_DECISION: Decision = { plan: [], tasks: [] };

export const planOnly = (plan: MarshalEvent[]): Decision => ({ plan, tasks: [] });

export function isEmpty(d: Decision): boolean {
  return d.plan.length === 0 && d.tasks.length === 0;
}

export function merge(...ds: Decision[]): Decision {
  return { plan: ds.flatMap((d) => d.plan), tasks: ds.flatMap((d) => d.tasks) };
}

export function meta(ctx: DecisionContext): EventMeta {
  return { id: ctx.newId(), at: ctx.now, correlationId: ctx.correlationId, causationId: ctx.causationId, actor: ctx.actor };
}

export function serviceEvent<T extends EventType>(state: ServiceState, ctx: DecisionContext, type: T, data: EventData<T>): MarshalEvent {
  return makeEvent(type, serviceAggregate(state.service), data, meta(ctx)) as MarshalEvent;
}

/** A StepStatusChanged from `where.step` to `next`, or nothing when the step did not change. */
export function stepChanged(state: ServiceState, ctx: DecisionContext, where: StepLocation, next: StepModel, reason: string): MarshalEvent | undefined {
  const before = where.step;
  if (before.status === next.status && JSON.stringify(before.launched) === JSON.stringify(next.launched) && before.prepared === next.prepared && JSON.stringify(before.errors) === JSON.stringify(next.errors)) {
    return undefined;
  }
  return serviceEvent(state, ctx, 'StepStatusChanged', {
    service: state.service,
    plan: where.plan.name,
    phaseId: where.phase.id,
    phase: where.phase.name,
    stepId: before.id,
    step: before.name,
    from: before.status,
    to: next.status,
    reason,
    launched: next.launched,
    prepared: next.prepared,
    errors: next.errors,
  });
}

export function generated(state: ServiceState, ctx: DecisionContext, model: PlanModel, order: number, configId: string): MarshalEvent {
  const scratch: ServiceState = { ...state, plans: [...state.plans.filter((p) => p.name !== model.name), model] };
  const tree = toPlanTree(model, { ctx: planContext(scratch, ctx.now), allTasksPaused: (s) => allTasksPaused(scratch, s) });
  return serviceEvent(state, ctx, 'PlanGenerated', { service: state.service, configId, order, model, plan: tree });
}

/** Codes a command is rejected with: the original's 404, 208 and 400 (reference §6.2). */
export type RejectionCode = Extract<ErrorCode, 'NOT_FOUND' | 'ALREADY_REPORTED' | 'INVALID_ARGUMENT'>;

/**
 * What `decide` answers, for every command: accepted with the decision to append and the reply's text (and the task
 * instances a pod command acted on), or rejected with a domain code and a message; a rejection changes no state.
 */
export type DecideResult =
  | { ok: true; decision: Decision; message: string; tasks: string[] }
  | { ok: false; code: RejectionCode; message: string };

export const accepted = (decision: Decision, message = '', tasks: string[] = []): DecideResult => ({ ok: true, decision, message, tasks });

export const rejected = (code: RejectionCode, message: string): DecideResult => ({ ok: false, code, message });

/** The one place a rejected command becomes a `MarshalError` (STYLE.md "Errors are domain values"). */
export function acceptedOrThrow(result: DecideResult): Extract<DecideResult, { ok: true }> {
  if (result.ok) return result;
  throw new MarshalError(result.code, result.message);
}

/** Exhaustiveness: a new member of a union is a compile error where this is called. */
export function assertUnreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
