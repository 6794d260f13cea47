import type { MarshalEvent, PlanModel, StepModel } from '@marshal/contracts';
import { DEPLOY_PLAN } from '../model/plan-names';
import type { PlanContext } from '../model/plan-context';
import { phaseStatus, planErrors, planStatus } from '../model/plan-status';
import { stepDisplayStatus, stepStatus } from '../model/step-status';
import { serviceEvent, type DecisionContext } from './decision';
import { overdueSteps } from './progress-deadline';
import { allTasksPaused, planContext, rejectionErrors } from './service.queries';
import type { ServiceState } from './service-state';

/** Policy run after every decision: the derived statuses the API shows, published when they change. */

/** Errors a plan shows besides its own and its steps': a rejected update (deploy only) and overdue steps. */
function extraErrors(state: ServiceState, plan: PlanModel, overdue: Map<string, string[]>): string[] {
  return [...(plan.name === DEPLOY_PLAN && !state.uninstalling ? rejectionErrors(state) : []), ...(overdue.get(plan.name) ?? [])];
}

/** The plan with the errors it shows attached: any error makes it ERROR (reference §1.3 rule 1). */
function shown(plan: PlanModel, extra: string[]): PlanModel {
  return extra.length ? { ...plan, errors: [...plan.errors, ...extra] } : plan;
}

function stepDisplay(state: ServiceState, step: StepModel, ctx: PlanContext): string {
  if (step.errors.length) return 'ERROR';
  return stepDisplayStatus(step, stepStatus(step, ctx), { allTasksPaused: allTasksPaused(state, step) });
}

/**
 * For every plan whose derived statuses differ from what was last published: PlanStatusChanged when its own status or
 * errors changed, else PlanProgressed for the phases and steps that did (an unchanged status is never repeated).
 */
export function publishStatuses(state: ServiceState, ctx: DecisionContext): MarshalEvent[] {
  const pctx = planContext(state, ctx.now);
  const overdue = overdueSteps(state, ctx.now);
  const out: MarshalEvent[] = [];
  for (const plan of state.plans) {
    const seen = state.published[plan.name];
    const extra = extraErrors(state, plan, overdue);
    const status = planStatus(shown(plan, extra), pctx);
    const errors = [...planErrors(plan), ...extra];
    const phases = plan.phases.map((p) => ({ id: p.id, status: phaseStatus(p, pctx) })).filter((p) => seen?.phases[p.id] !== p.status);
    const steps = plan.phases
      .flatMap((p) => p.steps)
      .map((s) => ({ id: s.id, status: stepDisplay(state, s, pctx) as 'ERROR' }))
      .filter((s) => seen?.steps[s.id] !== s.status);
    const sameOwn = !!seen && seen.status === status && JSON.stringify(seen.errors) === JSON.stringify(errors);
    if (!sameOwn) out.push(serviceEvent(state, ctx, 'PlanStatusChanged', { service: state.service, plan: plan.name, status, errors, phases, steps }));
    else if (phases.length || steps.length) out.push(serviceEvent(state, ctx, 'PlanProgressed', { service: state.service, plan: plan.name, phases, steps }));
  }
  return out;
}
