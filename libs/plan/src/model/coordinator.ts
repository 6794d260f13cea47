import { MarshalError } from '@marshal/contracts';
import { dirtyAssets, planCandidates, planInterrupted } from './plan-status';
import { conflictsWithAny } from './requirement';
import { isRunningStatus } from './aggregate-status';
import { stepStatus } from './step-status';
import type { PhaseModel, PlanModel, Requirement, StepModel } from '@marshal/contracts';
import type { PlanContext } from './plan-context';

export interface CoordinatorCandidate {
  plan: PlanModel;
  phase: PhaseModel;
  step: StepModel;
}

export interface CoordinatorOptions {
  ctx?: PlanContext;
  /**
   * Called for each plan the coordinator asks, with the dirty assets relevant to it, before its candidates are
   * taken; returns the plan to use. The original's recovery plan manager regenerated its plan there (reference
   * §3.4), so that it saw the assets earlier plans had just claimed. Absent: plans are used as given.
   */
  regenerate?: (plan: PlanModel, relevantDirty: Requirement[]) => PlanModel;
}

export interface CoordinatorResult {
  /** Candidate steps, plan by plan in the given order. */
  candidates: CoordinatorCandidate[];
  /** The plans after `regenerate`, in the given order. */
  plans: PlanModel[];
}

/** Requirements of the plan's running steps: its own in-flight assets, which it may keep working on. */
function runningAssets(plan: PlanModel, ctx: PlanContext): Requirement[] {
  return plan.phases.flatMap((p) =>
    p.steps.flatMap((s) => (s.requirement && isRunningStatus(stepStatus(s, ctx)) ? [s.requirement] : [])),
  );
}

/**
 * The work cycle's candidate steps over all plans, given in coordinator order — deploy, recovery, decommission,
 * then custom plans (reference §2.5): interrupted plans are skipped, each plan avoids the assets other plans work
 * on or just claimed, so priority is positional.
 */
export function coordinatorCandidates(plans: readonly PlanModel[], options: CoordinatorOptions = {}): CoordinatorResult {
  if (plans.length === 0) throw new MarshalError('INVALID_ARGUMENT', 'At least one plan is required');
  const ctx = options.ctx ?? {};
  const dirtied = plans.filter((p) => !planInterrupted(p)).flatMap((p) => dirtyAssets(p, ctx));
  const candidates: CoordinatorCandidate[] = [];
  const result = plans.map((given) => {
    if (planInterrupted(given)) return given;
    const own = runningAssets(given, ctx);
    const relevant = dirtied.filter((d) => !conflictsWithAny(d, own));
    const plan = options.regenerate ? options.regenerate(given, relevant) : given;
    const steps = planCandidates(plan, relevant, ctx);
    candidates.push(...steps.map(({ phase, step }) => ({ plan, phase, step })));
    dirtied.push(...steps.flatMap(({ step }) => (step.requirement ? [step.requirement] : [])));
    return plan;
  });
  return { candidates, plans: result };
}
