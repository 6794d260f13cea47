import { makeEvent, serviceAggregate, taskInstanceName, type EventData, type EventMeta, type EventType, type MarshalEvent, type PlanModel, type StepModel, type Subjects } from '@marshal/contracts';
import { backoffContext } from '../model/backoff';
import type { PlanContext } from '../model/plan-context';
import type { ServiceState } from './service-state';

/** Clock, ids and the cause of a decision: domain code never reads them itself. */
export interface DecisionContext {
  now: string;
  newId: () => string;
  subjects: Subjects;
  correlationId: string;
  causationId: string | null;
  actor: string;
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

/** What status computations need at `now`: the service's active back-off delays (reference §1.6.3). */
export function planContext(state: ServiceState, now: string): PlanContext {
  return backoffContext(state.backoff, Date.parse(now));
}

/** Every task of the step's pod instance has a PAUSED override (reference §1.6.2 display status). */
export function allTasksPaused(state: ServiceState, step: StepModel): boolean {
  const req = step.requirement;
  if (!req) return false;
  const spec = state.targetConfigId ? state.configs[state.targetConfigId]?.spec : undefined;
  const pod = spec?.pods.find((p) => p.type === req.podType);
  if (!pod || pod.tasks.length === 0) return false;
  return pod.tasks.every((t) => state.overrides[taskInstanceName(req.podType, req.podIndex, t.name)]?.target === 'PAUSED');
}

export function findPlan(state: ServiceState, name: string): PlanModel | undefined {
  return state.plans.find((p) => p.name === name);
}
