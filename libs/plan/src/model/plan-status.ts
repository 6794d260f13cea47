import type { Status } from '@marshal/contracts';
import { aggregateStatus } from './aggregate-status';
import { stepStatus } from './step-status';
import {
  type ChildView,
  interruptStrategy,
  isEligibleChild,
  proceedStrategy,
  strategyCandidates,
  strategyInterrupted,
} from './strategy';
import type { PhaseModel, PlanModel, Requirement, StepModel } from '@marshal/contracts';
import type { PlanContext } from './plan-context';

export function stepView(step: StepModel, ctx: PlanContext = {}): ChildView {
  return { id: step.id, status: stepStatus(step, ctx), interrupted: step.interrupted, requirement: step.requirement };
}

function stepViews(phase: PhaseModel, ctx: PlanContext): ChildView[] {
  return phase.steps.map((s) => stepView(s, ctx));
}

export function phaseErrors(phase: PhaseModel): string[] {
  return phase.steps.flatMap((s) => s.errors);
}

/** A plan's errors: its own, then every step's (reference §1.1). */
export function planErrors(plan: PlanModel): string[] {
  return [...plan.errors, ...plan.phases.flatMap(phaseErrors)];
}

export function phaseInterrupted(phase: PhaseModel, ctx: PlanContext = {}): boolean {
  return strategyInterrupted(phase.strategy, stepViews(phase, ctx));
}

export function planInterrupted(plan: PlanModel): boolean {
  return plan.strategy.interrupted;
}

/** A phase as its plan's strategy sees it: status by reference §1.3 (candidates with no dirty assets). */
export function phaseView(phase: PhaseModel, ctx: PlanContext = {}): ChildView {
  const children = stepViews(phase, ctx);
  const interrupted = strategyInterrupted(phase.strategy, children);
  const status = aggregateStatus({
    childStatuses: children.map((c) => c.status),
    candidateStatuses: strategyCandidates(phase.strategy, children, [], ctx).map((c) => c.status),
    errors: phaseErrors(phase),
    interrupted,
  });
  return { id: phase.id, status, interrupted };
}

export function phaseStatus(phase: PhaseModel, ctx: PlanContext = {}): Status {
  return phaseView(phase, ctx).status;
}

/** reference §1.3 over the plan's phases, candidates computed with no dirty assets. */
export function planStatus(plan: PlanModel, ctx: PlanContext = {}): Status {
  const children = plan.phases.map((p) => phaseView(p, ctx));
  return aggregateStatus({
    childStatuses: children.map((c) => c.status),
    candidateStatuses: strategyCandidates(plan.strategy, children, [], ctx).map((c) => c.status),
    errors: planErrors(plan),
    interrupted: plan.strategy.interrupted,
  });
}

/** reference §2.1, for a step or a phase (phases have no requirement, so dirty assets do not matter to them). */
export function isEligible(element: StepModel | PhaseModel, dirty: readonly Requirement[], ctx: PlanContext = {}): boolean {
  return isEligibleChild('steps' in element ? phaseView(element, ctx) : stepView(element, ctx), dirty);
}

/** The steps a phase's strategy would work on now (reference §2.2). */
export function phaseCandidates(phase: PhaseModel, dirty: readonly Requirement[], ctx: PlanContext = {}): StepModel[] {
  const ids = new Set(strategyCandidates(phase.strategy, stepViews(phase, ctx), dirty, ctx).map((c) => c.id));
  return phase.steps.filter((s) => ids.has(s.id));
}

export interface PlanCandidate {
  phase: PhaseModel;
  step: StepModel;
}

/** reference §2.3: candidate phases, then their candidate steps, DELAYED steps dropped. */
export function planCandidates(plan: PlanModel, dirty: readonly Requirement[], ctx: PlanContext = {}): PlanCandidate[] {
  const phaseIds = new Set(
    strategyCandidates(plan.strategy, plan.phases.map((p) => phaseView(p, ctx)), dirty, ctx).map((c) => c.id),
  );
  return plan.phases
    .filter((p) => phaseIds.has(p.id))
    .flatMap((phase) => phaseCandidates(phase, dirty, ctx).map((step) => ({ phase, step })))
    .filter(({ step }) => stepStatus(step, ctx) !== 'DELAYED');
}

/** reference §2.4: requirements of the steps reporting PREPARED or STARTING. */
export function dirtyAssets(plan: PlanModel, ctx: PlanContext = {}): Requirement[] {
  return plan.phases.flatMap((p) =>
    p.steps.flatMap((s) => {
      const status = stepStatus(s, ctx);
      return s.requirement && (status === 'PREPARED' || status === 'STARTING') ? [s.requirement] : [];
    }),
  );
}

/** Applies `f` to every step of the plan (or of the phases `only` selects). */
export function mapSteps(
  plan: PlanModel,
  f: (step: StepModel, phase: PhaseModel) => StepModel,
  only: (phase: PhaseModel) => boolean = () => true,
): PlanModel {
  return { ...plan, phases: plan.phases.map((p) => (only(p) ? { ...p, steps: p.steps.map((s) => f(s, p)) } : p)) };
}

/** Interrupts a phase's strategy (a canary ignores it during its canary period). */
export function interruptPhase(phase: PhaseModel, ctx: PlanContext = {}): PhaseModel {
  return { ...phase, strategy: interruptStrategy(phase.strategy, stepViews(phase, ctx)) };
}

/** Proceeds a phase's strategy; a canary phase in its canary period releases its next canary step instead. */
export function proceedPhase(phase: PhaseModel, ctx: PlanContext = {}): PhaseModel {
  const { strategy, release } = proceedStrategy(phase.strategy, stepViews(phase, ctx));
  return {
    ...phase,
    strategy,
    steps: release === undefined ? phase.steps : phase.steps.map((s) => (s.id === release ? { ...s, interrupted: false } : s)),
  };
}

export function interruptPlan(plan: PlanModel): PlanModel {
  return { ...plan, strategy: { ...plan.strategy, interrupted: true } };
}

/** Clears the plan's own flag only; its phases are untouched (reference §1.4). */
export function proceedPlan(plan: PlanModel): PlanModel {
  return { ...plan, strategy: { ...plan.strategy, interrupted: false } };
}
