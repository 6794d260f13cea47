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

export function parallelStrategy(maxConcurrent?: number): ParallelStrategyModel {
  return { type: 'parallel', interrupted: false, ...(maxConcurrent !== undefined ? { maxConcurrent } : {}) };
}

export function randomStrategy(): RandomStrategyModel {
  return { type: 'random', interrupted: false };
}

export function dependencyStrategy(prerequisites: Record<string, string[]>, maxConcurrent?: number): DependencyStrategyModel {
  return { type: 'dependency', interrupted: false, prerequisites, ...(maxConcurrent !== undefined ? { maxConcurrent } : {}) };
}

/** A child a throttled strategy counts against its limit: started and not yet COMPLETE (or ERROR). */
export function isInProgressChild(child: Pick<ChildView, 'status'>): boolean {
  return child.status === 'PREPARED' || child.status === 'STARTING' || child.status === 'STARTED' || child.status === 'DELAYED' || child.status === 'IN_PROGRESS';
}

/**
 * Throttled parallel (Digital.ai Deploy's `parallel-by-container-throttled`, other-systems §1a.2): the candidates
 * already in progress stay, and new ones start, in children order, only while fewer than `max` children are in
 * progress.
 */
export function throttled(candidates: readonly ChildView[], children: readonly ChildView[], max: number): ChildView[] {
  let room = max - children.filter(isInProgressChild).length;
  return candidates.filter((c) => isInProgressChild(c) || room-- > 0);
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

type StrategyOfType<T extends BasicStrategyModel['type']> = Extract<BasicStrategyModel, { type: T }>;

/**
 * Which of the eligible children a basic strategy would work on now (reference §2.2), given all children (for the
 * statuses of prerequisites) and the context.
 */
type CandidatesOf<S extends BasicStrategyModel> = (
  strategy: S,
  eligible: readonly ChildView[],
  children: readonly ChildView[],
  ctx: PlanContext,
) => ChildView[];

/**
 * The basic strategies, one entry per model type (contracts' `BasicStrategyModelSchema`): a new model type is a
 * compile error here until it has its implementation. YAML names map onto these through contracts'
 * `PHASE_STRATEGY_TABLE` / `PLAN_STRATEGY_TABLE`; a canary wraps one of them.
 */
export const BASIC_STRATEGIES: { readonly [T in BasicStrategyModel['type']]: { candidates: CandidatesOf<StrategyOfType<T>> } } = {
  parallel: { candidates: (_s, eligible) => [...eligible] },
  random: {
    candidates: (_s, eligible, _children, ctx) => {
      if (eligible.length === 0) return [];
      const pick = Math.min(eligible.length - 1, Math.floor((ctx.random?.() ?? 0) * eligible.length));
      return [eligible[pick]];
    },
  },
  dependency: {
    candidates: (strategy, eligible, children) => {
      const statusById = new Map(children.map((c) => [c.id, c.status]));
      return eligible.filter((c) => allComplete(strategy.prerequisites[c.id] ?? [], statusById));
    },
  },
  serial: {
    // reference §2.2: each chain member waits for every earlier chain member; others wait for nothing.
    candidates: (strategy, eligible, children) => {
      const statusById = new Map(children.map((c) => [c.id, c.status]));
      const position = new Map(strategy.chain.map((id, i) => [id, i]));
      return eligible.filter((c) => {
        const k = position.get(c.id);
        return k === undefined || allComplete(strategy.chain.slice(0, k), statusById);
      });
    },
  },
};

function basicCandidates(
  strategy: BasicStrategyModel,
  children: readonly ChildView[],
  dirty: readonly Requirement[],
  ctx: PlanContext,
): ChildView[] {
  if (strategy.interrupted) return [];
  const eligible = children.filter((c) => isEligibleChild(c, dirty));
  const candidates = BASIC_STRATEGIES[strategy.type].candidates as CandidatesOf<BasicStrategyModel>;
  const picked = candidates(strategy, eligible, children, ctx);
  const max = 'maxConcurrent' in strategy ? strategy.maxConcurrent : undefined;
  return max === undefined ? picked : throttled(picked, children, max);
}

/**
 * The canary rule (reference §2.2), in one place: where a canary stands among its children. `waiting`: the first
 * selected canary step still interrupted — while there is one the canary period lasts, a phase proceed releases it
 * and a phase interrupt is ignored; `released`: the first selected step released but not complete. The canary is
 * interrupted (waits for a proceed) while a step waits and none released is still running.
 */
export function canaryPeriod(
  strategy: CanaryStrategyModel,
  children: readonly ChildView[],
): { waiting?: ChildView; released?: ChildView; awaitingProceed: boolean } {
  const selected = strategy.canarySteps.flatMap((id) => children.filter((c) => c.id === id));
  const waiting = selected.find((c) => c.interrupted);
  const released = selected.find((c) => !c.interrupted && c.status !== 'COMPLETE');
  return { waiting, released, awaitingProceed: !!waiting && !released };
}

/** A strategy's own interrupted flag, set by an operator; a canary's lives in its inner strategy (reference §2.2). */
export function ownInterrupted(strategy: StrategyModel): boolean {
  return strategy.type === 'canary' ? strategy.inner.interrupted : strategy.interrupted;
}

/** The strategy with its own interrupted flag set to `interrupted` (a canary's inner strategy's). */
export function withOwnInterrupted(strategy: StrategyModel, interrupted: boolean): StrategyModel {
  return strategy.type === 'canary' ? { ...strategy, inner: { ...strategy.inner, interrupted } } : { ...strategy, interrupted };
}

/** The children a strategy would work on now, in children order (reference §2.2; the original's order was a hash map's). */
export function strategyCandidates(
  strategy: StrategyModel,
  children: readonly ChildView[],
  dirty: readonly Requirement[],
  ctx: PlanContext = {},
): ChildView[] {
  if (strategy.type !== 'canary') return basicCandidates(strategy, children, dirty, ctx);
  if (canaryPeriod(strategy, children).waiting) {
    return strategy.canarySteps.flatMap((id) => children.filter((c) => c.id === id)).filter((c) => isEligibleChild(c, dirty));
  }
  return basicCandidates(strategy.inner, children, dirty, ctx);
}

/** A parent's interrupted flag (reference §1.4); a canary is interrupted while it waits for a proceed. */
export function strategyInterrupted(strategy: StrategyModel, children: readonly ChildView[]): boolean {
  if (strategy.type === 'canary' && canaryPeriod(strategy, children).awaitingProceed) return true;
  return ownInterrupted(strategy);
}

/** Interrupts a strategy; a canary ignores it during its canary period (reference §2.2). */
export function interruptStrategy(strategy: StrategyModel, children: readonly ChildView[]): StrategyModel {
  if (strategy.type === 'canary' && canaryPeriod(strategy, children).waiting) return strategy;
  return withOwnInterrupted(strategy, true);
}

/**
 * Proceeds a strategy. A canary in its canary period instead releases its next canary step, whose id is returned
 * as `release` for the caller to clear that step's interrupted flag (reference §2.2).
 */
export function proceedStrategy(
  strategy: StrategyModel,
  children: readonly ChildView[],
): { strategy: StrategyModel; release?: string } {
  const waiting = strategy.type === 'canary' ? canaryPeriod(strategy, children).waiting : undefined;
  if (waiting) return { strategy, release: waiting.id };
  return { strategy: withOwnInterrupted(strategy, false) };
}
