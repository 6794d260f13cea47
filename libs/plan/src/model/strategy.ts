import type { Status } from '@marshal/contracts';
import { conflictsWithAny } from './requirement';
import { stepStatus } from './step-status';
import type { BasicStrategyModel, CanaryStrategyModel, DependencyStrategyModel, ParallelStrategyModel, RandomStrategyModel, Requirement, SerialStrategyModel, StepModel, StrategyModel } from '@marshal/contracts';
import type { PlanContext } from './plan-context';

/** What a strategy sees of a child (a phase of a plan, or a step of a phase). */
export interface ChildView {
  id: string;
  /** Reported status (steps) or aggregated status (phases). */
  status: Status;
  /** The child's own interrupted flag (a step's, or a phase strategy's). */
  interrupted: boolean;
  requirement?: Requirement;
}

/** The original's default number of canary proceeds; YAML cannot change it (reference §2.2, §10.4). */
export const DEFAULT_CANARY_PROCEEDS = 2;

/**
 * Eligibility (reference §2.1): not COMPLETE or ERROR, not interrupted, and a requirement that does not conflict
 * with a dirty asset.
 */
export function isEligibleChild(child: ChildView, dirty: readonly Requirement[]): boolean {
  if (child.status === 'COMPLETE' || child.status === 'ERROR') return false;
  if (child.interrupted) return false;
  return !child.requirement || !conflictsWithAny(child.requirement, dirty);
}

/** A serial strategy over children as they are now: the not-complete ones form the chain (reference §2.2). */
export function serialStrategy(children: readonly Pick<ChildView, 'id' | 'status'>[]): SerialStrategyModel {
  return { type: 'serial', interrupted: false, chain: children.filter((c) => c.status !== 'COMPLETE').map((c) => c.id) };
}

export function parallelStrategy(): ParallelStrategyModel {
  return { type: 'parallel', interrupted: false };
}

export function randomStrategy(): RandomStrategyModel {
  return { type: 'random', interrupted: false };
}

export function dependencyStrategy(prerequisites: Record<string, string[]>): DependencyStrategyModel {
  return { type: 'dependency', interrupted: false, prerequisites };
}

/**
 * Wraps `inner` in a canary (reference §2.2): selects the first `requiredProceeds` steps that report PENDING (or are
 * already interrupted) and interrupts them. Returns the strategy and the steps with their new flags.
 */
export function canaryStrategy(
  inner: BasicStrategyModel,
  steps: readonly StepModel[],
  ctx: PlanContext = {},
  requiredProceeds = DEFAULT_CANARY_PROCEEDS,
): { strategy: CanaryStrategyModel; steps: StepModel[] } {
  const canarySteps = steps
    .filter((s) => stepStatus(s, ctx) === 'PENDING' || s.interrupted)
    .slice(0, requiredProceeds)
    .map((s) => s.id);
  return {
    strategy: { type: 'canary', inner, canarySteps, requiredProceeds },
    steps: steps.map((s) => (canarySteps.includes(s.id) ? { ...s, interrupted: true } : s)),
  };
}

/** The name the API shows: `serial`, `parallel`, `dependency`, `random`, or `<inner>-canary` (reference §6.2). */
export function strategyName(strategy: StrategyModel): string {
  return strategy.type === 'canary' ? `${strategyName(strategy.inner)}-canary` : strategy.type;
}

function allComplete(ids: readonly string[], statusById: ReadonlyMap<string, Status>): boolean {
  // An id that is not a child (cannot happen for generated plans) does not block.
  return ids.every((id) => (statusById.get(id) ?? 'COMPLETE') === 'COMPLETE');
}

function basicCandidates(
  strategy: BasicStrategyModel,
  children: readonly ChildView[],
  dirty: readonly Requirement[],
  ctx: PlanContext,
): ChildView[] {
  if (strategy.interrupted) return [];
  const eligible = children.filter((c) => isEligibleChild(c, dirty));
  switch (strategy.type) {
    case 'parallel':
      return eligible;
    case 'random': {
      if (eligible.length === 0) return [];
      const pick = Math.min(eligible.length - 1, Math.floor((ctx.random?.() ?? 0) * eligible.length));
      return [eligible[pick]];
    }
    case 'dependency': {
      const statusById = new Map(children.map((c) => [c.id, c.status]));
      return eligible.filter((c) => allComplete(strategy.prerequisites[c.id] ?? [], statusById));
    }
    case 'serial': {
      // reference §2.2: each chain member waits for every earlier chain member; others wait for nothing.
      const statusById = new Map(children.map((c) => [c.id, c.status]));
      const position = new Map(strategy.chain.map((id, i) => [id, i]));
      return eligible.filter((c) => {
        const k = position.get(c.id);
        return k === undefined || allComplete(strategy.chain.slice(0, k), statusById);
      });
    }
  }
}

function canaryChildren(strategy: CanaryStrategyModel, children: readonly ChildView[]): ChildView[] {
  return strategy.canarySteps.flatMap((id) => children.filter((c) => c.id === id));
}

/** The first selected canary step still interrupted: while there is one, the canary period lasts. */
function nextCanaryStep(strategy: CanaryStrategyModel, children: readonly ChildView[]): ChildView | undefined {
  return canaryChildren(strategy, children).find((c) => c.interrupted);
}

/** The first selected canary step released but not complete. */
function nextProceedStep(strategy: CanaryStrategyModel, children: readonly ChildView[]): ChildView | undefined {
  return canaryChildren(strategy, children).find((c) => !c.interrupted && c.status !== 'COMPLETE');
}

/** The children a strategy would work on now, in children order (reference §2.2; the original's order was a hash map's). */
export function strategyCandidates(
  strategy: StrategyModel,
  children: readonly ChildView[],
  dirty: readonly Requirement[],
  ctx: PlanContext = {},
): ChildView[] {
  if (strategy.type !== 'canary') return basicCandidates(strategy, children, dirty, ctx);
  if (nextCanaryStep(strategy, children)) {
    return canaryChildren(strategy, children).filter((c) => isEligibleChild(c, dirty));
  }
  return basicCandidates(strategy.inner, children, dirty, ctx);
}

/** A parent's interrupted flag (reference §1.4); a canary is interrupted while it waits for a proceed. */
export function strategyInterrupted(strategy: StrategyModel, children: readonly ChildView[]): boolean {
  if (strategy.type !== 'canary') return strategy.interrupted;
  if (nextCanaryStep(strategy, children) && !nextProceedStep(strategy, children)) return true;
  return strategy.inner.interrupted;
}

/** Interrupts a strategy; a canary ignores it during its canary period (reference §2.2). */
export function interruptStrategy(strategy: StrategyModel, children: readonly ChildView[]): StrategyModel {
  if (strategy.type !== 'canary') return { ...strategy, interrupted: true };
  if (nextCanaryStep(strategy, children)) return strategy;
  return { ...strategy, inner: { ...strategy.inner, interrupted: true } };
}

/**
 * Proceeds a strategy. A canary in its canary period instead releases its next canary step, whose id is returned
 * as `release` for the caller to clear that step's interrupted flag (reference §2.2).
 */
export function proceedStrategy(
  strategy: StrategyModel,
  children: readonly ChildView[],
): { strategy: StrategyModel; release?: string } {
  if (strategy.type !== 'canary') return { strategy: { ...strategy, interrupted: false } };
  const next = nextCanaryStep(strategy, children);
  if (next) return { strategy, release: next.id };
  return { strategy: { ...strategy, inner: { ...strategy.inner, interrupted: false } } };
}
