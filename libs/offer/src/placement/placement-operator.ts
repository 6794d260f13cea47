import type { PodSpec } from '@marshal/contracts';
import type { AgentInfo, AgentState, IndexedReservation, LedgerIndex, ServiceIndex } from '../ledger';
import type { Outcome } from '../outcome';
import type { PlacementField, PlacementRule, PlacementRuleType, RuleOf } from './placement-rule';
import type { StringMatcher } from './string-matcher';

/** What a rule is evaluated against: the service's reservations in the ledger, and the pod instance being placed. */
export interface PlacementContext {
  service: string;
  podType: string;
  podIndex: number;
  index: LedgerIndex;
  /** Pod specs of the service by pod type: the tasks of other reserved pod instances. */
  servicePods: ReadonlyMap<string, PodSpec>;
}

/** A rule ready to be asked about one agent after another (counts taken once per evaluation). */
export interface CompiledRule {
  /** Pushes one outcome (with children) into `out` when given; builds no strings otherwise. */
  evaluate(agent: AgentState, info: AgentInfo, out: Outcome[] | null): boolean;
}

/** The context once per evaluation: the service's index and the pod instance's own reservations (never counted). */
export interface Prepared {
  ctx: PlacementContext;
  svc: ServiceIndex | undefined;
  self: Set<IndexedReservation>;
  podInstanceName: string;
}

/** How one rule type is evaluated and described. */
export interface RuleKind<R extends PlacementRule> {
  /**
   * `label` prefixes every outcome line (`hostname:UNIQUE: `, empty for rules not parsed from a constraint);
   * `compileChild` compiles nested rules.
   */
  compile(rule: R, p: Prepared, label: string, compileChild: (rule: PlacementRule) => CompiledRule): CompiledRule;
  /** The original's `toString()` (reference §5.5 "Reference renderings"). */
  describe(rule: R, describeChild: (rule: PlacementRule) => string): string;
  /** Placement fields the rule itself refers to (§4.11); nested rules are walked through `children`. */
  fields(rule: R): readonly PlacementField[];
  /** Nested rules (AND, OR, NOT). */
  children?(rule: R): readonly PlacementRule[];
  /** The same rule with every nested rule replaced by `f(nested)`. */
  mapChildren?(rule: R, f: (rule: PlacementRule) => PlacementRule): R;
}

/** Rule kinds of the rule types `T`, one each: a type left out is a compile error. */
export type RuleKinds<T extends PlacementRuleType> = { readonly [K in T]: RuleKind<RuleOf<K>> };

export type Field = PlacementField;

/** One row `field:OPERATOR[:parameter]` of a Marathon `placement` string, as an operator's parser sees it. */
export interface OperatorArgs {
  /** `<pod type>-.*`: counting rules count tasks of this pod type (reference §5.5). */
  taskFilter: StringMatcher;
  /** As written: `hostname`, `@zone`, `rack`. */
  fieldName: string;
  field: Field;
  /** As written (any case), for error messages. */
  operatorName: string;
  parameter: string | undefined;
}

/**
 * One file of `operators/`: a Marathon operator (reference §5.5) and/or the rule types it owns. A Marathon operator
 * parses its row into a rule (throwing `ConstraintError` with the original's text); the rules it makes are evaluated
 * and described by the kinds of the file that owns their type.
 */
export interface PlacementOperator<T extends PlacementRuleType = never> {
  /** The Marathon operator this file parses (upper case, as matched case-insensitively), if any. */
  readonly marathon?: { readonly name: string; parse(args: OperatorArgs): PlacementRule };
  /** Evaluation and description of the rule types this file owns. */
  readonly rules: RuleKinds<T>;
}
