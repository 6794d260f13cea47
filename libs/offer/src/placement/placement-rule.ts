import { ruleKind } from './placement-operators';

/**
 * Placement rules (reference §5.4, names of §4.7) as plain serialisable data: a discriminated union on `type`.
 * `constraint` is the Marathon row a rule was parsed from (e.g. `hostname:UNIQUE`); it only labels messages.
 *
 * The union is open: each file of `operators/` adds the rule types it owns to {@link PlacementRules} (TypeScript
 * declaration merging), and `placement-operators.ts` registers the file; a rule type nobody evaluates or describes is
 * a compile error there (see README "Adding a placement operator").
 */
export interface FromConstraint {
  constraint?: string;
}

/** Several rows of a `placement` string are ANDed; the parser makes this rule itself. */
export type AndRule = { type: 'AndRule'; rules: PlacementRule[] } & FromConstraint;
/** What an unparseable `placement` string becomes: fails everywhere (reference §5.4). */
export type InvalidPlacementRule = { type: 'InvalidPlacementRule'; constraints: string; error: string } & FromConstraint;

/** Rule type → rule; extended by every file of `operators/` for the rules it owns. */
export interface PlacementRules {
  AndRule: AndRule;
  InvalidPlacementRule: InvalidPlacementRule;
}

export type PlacementRule = PlacementRules[keyof PlacementRules];
export type PlacementRuleType = PlacementRule['type'];
/** The rule of one type. */
export type RuleOf<T extends PlacementRuleType> = Extract<PlacementRule, { type: T }>;

export type PlacementField = 'HOSTNAME' | 'ZONE' | 'REGION' | 'ATTRIBUTE';

/** Renders a rule like the original's `toString()` (reference §5.5 "Reference renderings"). */
export function describeRule(rule: PlacementRule): string {
  return ruleKind(rule).describe(rule, describeRule);
}

/** The placement fields a rule refers to (used for `@zone`/`@region` validation and PLACEMENT_REFERENCED_*, §4.11). */
export function referencedFields(rule: PlacementRule | null | undefined): Set<PlacementField> {
  const fields = new Set<PlacementField>();
  const walk = (r: PlacementRule): void => {
    const kind = ruleKind(r);
    for (const f of kind.fields(r)) fields.add(f);
    kind.children?.(r).forEach(walk);
  };
  if (rule) walk(rule);
  return fields;
}

/** Every invalid rule in a tree: what the `PlacementRuleIsValid` validator looks for (reference §4.8). */
export function findInvalidRules(rule: PlacementRule | null | undefined): InvalidPlacementRule[] {
  const found: InvalidPlacementRule[] = [];
  const walk = (r: PlacementRule): void => {
    if (r.type === 'InvalidPlacementRule') found.push(r);
    else ruleKind(r).children?.(r).forEach(walk);
  };
  if (rule) walk(rule);
  return found;
}
