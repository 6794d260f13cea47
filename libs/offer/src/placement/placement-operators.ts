import { agentOperator } from './operators/agent.operator';
import { andOperator } from './operators/and.operator';
import { clusterOperator } from './operators/cluster.operator';
import { fieldMatchOperator } from './operators/field-match.operator';
import { groupByOperator } from './operators/group-by.operator';
import { invalidOperator } from './operators/invalid.operator';
import { isLocalRegionOperator } from './operators/is-local-region.operator';
import { isNotOperator } from './operators/is-not.operator';
import { isOperator } from './operators/is.operator';
import { likeOperator } from './operators/like.operator';
import { maxPerOperator } from './operators/max-per.operator';
import { notOperator } from './operators/not.operator';
import { orOperator } from './operators/or.operator';
import { passthroughOperator } from './operators/passthrough.operator';
import { taskTypeOperator } from './operators/task-type.operator';
import { unlikeOperator } from './operators/unlike.operator';
import { uniqueOperator } from './operators/unique.operator';
import type { PlacementOperator, RuleKind, RuleKinds } from './placement-operator';
import type { PlacementRule, PlacementRuleType } from './placement-rule';

/**
 * Every file of `operators/`, one line each: the registry of placement (README "Adding a placement operator").
 * Marathon operators are matched by name in the parser; rule types are evaluated and described by their file's kinds.
 */
export const PLACEMENT_OPERATORS = [
  passthroughOperator,
  andOperator,
  orOperator,
  notOperator,
  fieldMatchOperator,
  isLocalRegionOperator,
  agentOperator,
  taskTypeOperator,
  invalidOperator,
  uniqueOperator,
  maxPerOperator,
  clusterOperator,
  isOperator,
  isNotOperator,
  likeOperator,
  unlikeOperator,
  groupByOperator,
] as const;

type Registered = (typeof PLACEMENT_OPERATORS)[number];
type Owned = Registered extends infer O ? (O extends PlacementOperator<infer T> ? T : never) : never;
/** A rule type (declared in a file of `operators/`) whose file is not registered above: a compile error here. */
type Unregistered = Exclude<PlacementRuleType, Owned>;
const everyRuleTypeRegistered: [Unregistered] extends [never] ? true : { unregistered: Unregistered } = true;
void everyRuleTypeRegistered;

const kinds = new Map<string, RuleKind<PlacementRule>>();
const marathon = new Map<string, NonNullable<PlacementOperator['marathon']>>();
for (const op of PLACEMENT_OPERATORS as readonly PlacementOperator<PlacementRuleType>[]) {
  for (const [type, kind] of Object.entries(op.rules as Partial<RuleKinds<PlacementRuleType>>)) {
    if (kinds.has(type)) throw new Error(`placement rule type ${type} is registered twice`);
    kinds.set(type, kind as RuleKind<PlacementRule>);
  }
  if (op.marathon) {
    if (marathon.has(op.marathon.name)) throw new Error(`placement operator ${op.marathon.name} is registered twice`);
    marathon.set(op.marathon.name, op.marathon);
  }
}

/** The evaluation and description of a rule's type. */
export function ruleKind<R extends PlacementRule>(rule: R): RuleKind<R> {
  const kind = kinds.get(rule.type);
  if (!kind) throw new Error(`placement rule type '${String(rule.type)}' is not registered`);
  return kind as RuleKind<PlacementRule> as RuleKind<R>;
}

/** The Marathon operator of that (upper-case) name, if any. */
export function marathonOperator(name: string): NonNullable<PlacementOperator['marathon']> | undefined {
  return marathon.get(name);
}
