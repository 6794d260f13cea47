import { describeMatcher, type StringMatcher } from './string-matcher';

/**
 * Placement rules (reference §5.4, names of §4.7) as plain serialisable data: a discriminated union on `type`.
 * `constraint` is the Marathon row a rule was parsed from (e.g. `hostname:UNIQUE`); it only labels messages.
 */
interface FromConstraint {
  constraint?: string;
}

export type PassthroughRule = { type: 'PassthroughRule' } & FromConstraint;
export type AndRule = { type: 'AndRule'; rules: PlacementRule[] } & FromConstraint;
export type OrRule = { type: 'OrRule'; rules: PlacementRule[] } & FromConstraint;
export type NotRule = { type: 'NotRule'; rule: PlacementRule } & FromConstraint;
export type HostnameRule = { type: 'HostnameRule'; matcher: StringMatcher } & FromConstraint;
export type AttributeRule = { type: 'AttributeRule'; matcher: StringMatcher } & FromConstraint;
export type ZoneRule = { type: 'ZoneRule'; matcher: StringMatcher } & FromConstraint;
export type RegionRule = { type: 'RegionRule'; matcher: StringMatcher } & FromConstraint;
/** Passes when the agent has no region, the local region is unknown, or the agent is in it. */
export type IsLocalRegionRule = { type: 'IsLocalRegionRule'; localRegion?: string } & FromConstraint;
export type AgentRule = { type: 'AgentRule'; agentId: string } & FromConstraint;
export type MaxPerHostnameRule = { type: 'MaxPerHostnameRule'; max: number; taskFilter: StringMatcher } & FromConstraint;
export type MaxPerAttributeRule = {
  type: 'MaxPerAttributeRule';
  max: number;
  matcher: StringMatcher;
  taskFilter: StringMatcher;
} & FromConstraint;
export type MaxPerZoneRule = { type: 'MaxPerZoneRule'; max: number; taskFilter: StringMatcher } & FromConstraint;
export type MaxPerRegionRule = { type: 'MaxPerRegionRule'; max: number; taskFilter: StringMatcher } & FromConstraint;
export type RoundRobinByHostnameRule = {
  type: 'RoundRobinByHostnameRule';
  agentCount?: number;
  taskFilter: StringMatcher;
} & FromConstraint;
export type RoundRobinByAttributeRule = {
  type: 'RoundRobinByAttributeRule';
  attribute: string;
  valueCount?: number;
  taskFilter: StringMatcher;
} & FromConstraint;
export type RoundRobinByZoneRule = { type: 'RoundRobinByZoneRule'; zoneCount?: number; taskFilter: StringMatcher } & FromConstraint;
export type RoundRobinByRegionRule = {
  type: 'RoundRobinByRegionRule';
  regionCount?: number;
  taskFilter: StringMatcher;
} & FromConstraint;
/** AVOID: no other pod instance of `taskType` on the agent; COLOCATE: at least one (reference §5.4). */
export type TaskTypeRule = { type: 'TaskTypeRule'; taskType: string; behavior: 'AVOID' | 'COLOCATE' } & FromConstraint;
/** What an unparseable `placement` string becomes: fails everywhere (reference §5.4). */
export type InvalidPlacementRule = { type: 'InvalidPlacementRule'; constraints: string; error: string } & FromConstraint;

export type PlacementRule =
  | PassthroughRule
  | AndRule
  | OrRule
  | NotRule
  | HostnameRule
  | AttributeRule
  | ZoneRule
  | RegionRule
  | IsLocalRegionRule
  | AgentRule
  | MaxPerHostnameRule
  | MaxPerAttributeRule
  | MaxPerZoneRule
  | MaxPerRegionRule
  | RoundRobinByHostnameRule
  | RoundRobinByAttributeRule
  | RoundRobinByZoneRule
  | RoundRobinByRegionRule
  | TaskTypeRule
  | InvalidPlacementRule;

export type PlacementRuleType = PlacementRule['type'];

export type PlacementField = 'HOSTNAME' | 'ZONE' | 'REGION' | 'ATTRIBUTE';

const optional = (n: number | undefined): string => (n === undefined ? 'Optional.empty' : `Optional[${n}]`);

/** Renders a rule like the original's `toString()` (reference §5.5 "Reference renderings"). */
export function describeRule(rule: PlacementRule): string {
  switch (rule.type) {
    case 'PassthroughRule':
      return 'PassthroughRule{}';
    case 'AndRule':
      return `AndRule{rules=[${rule.rules.map(describeRule).join(', ')}]}`;
    case 'OrRule':
      return `OrRule{rules=[${rule.rules.map(describeRule).join(', ')}]}`;
    case 'NotRule':
      return `NotRule{rule=${describeRule(rule.rule)}}`;
    case 'HostnameRule':
    case 'AttributeRule':
    case 'ZoneRule':
    case 'RegionRule':
      return `${rule.type}{matcher=${describeMatcher(rule.matcher)}}`;
    case 'IsLocalRegionRule':
      return 'IsLocalRegionRule';
    case 'AgentRule':
      return `AgentRule{agentId=${rule.agentId}}`;
    case 'MaxPerHostnameRule':
    case 'MaxPerZoneRule':
    case 'MaxPerRegionRule':
      return `${rule.type}{max=${rule.max}, task-filter=${describeMatcher(rule.taskFilter)}}`;
    case 'MaxPerAttributeRule':
      return `MaxPerAttributeRule{max=${rule.max}, matcher=${describeMatcher(rule.matcher)}, task-filter=${describeMatcher(rule.taskFilter)}}`;
    case 'RoundRobinByHostnameRule':
      return `RoundRobinByHostnameRule{agent-count=${optional(rule.agentCount)}, task-filter=${describeMatcher(rule.taskFilter)}}`;
    case 'RoundRobinByAttributeRule':
      return `RoundRobinByAttributeRule{attribute=${rule.attribute}, attribute-count=${optional(rule.valueCount)}, task-filter=${describeMatcher(rule.taskFilter)}}`;
    case 'RoundRobinByZoneRule':
      return `RoundRobinByZoneRule{zone-count=${optional(rule.zoneCount)}, task-filter=${describeMatcher(rule.taskFilter)}}`;
    case 'RoundRobinByRegionRule':
      return `RoundRobinByRegionRule{region-count=${optional(rule.regionCount)}, task-filter=${describeMatcher(rule.taskFilter)}}`;
    case 'TaskTypeRule':
      return `TaskTypeRule{type=${rule.taskType}, converter=TaskTypeLabelConverter{}, behavior=${rule.behavior}}`;
    case 'InvalidPlacementRule':
      return `InvalidPlacementRule{constraints=${rule.constraints}, exception=${rule.error}}`;
  }
}

/** The placement fields a rule refers to (used for `@zone`/`@region` validation and PLACEMENT_REFERENCED_*, §4.11). */
export function referencedFields(rule: PlacementRule | null | undefined): Set<PlacementField> {
  const fields = new Set<PlacementField>();
  const walk = (r: PlacementRule): void => {
    switch (r.type) {
      case 'AndRule':
      case 'OrRule':
        r.rules.forEach(walk);
        return;
      case 'NotRule':
        walk(r.rule);
        return;
      case 'HostnameRule':
      case 'MaxPerHostnameRule':
      case 'RoundRobinByHostnameRule':
        fields.add('HOSTNAME');
        return;
      case 'AttributeRule':
      case 'MaxPerAttributeRule':
      case 'RoundRobinByAttributeRule':
        fields.add('ATTRIBUTE');
        return;
      case 'ZoneRule':
      case 'MaxPerZoneRule':
      case 'RoundRobinByZoneRule':
        fields.add('ZONE');
        return;
      case 'RegionRule':
      case 'MaxPerRegionRule':
      case 'RoundRobinByRegionRule':
      case 'IsLocalRegionRule':
        fields.add('REGION');
        return;
      default:
        return;
    }
  };
  if (rule) walk(rule);
  return fields;
}

/** Every invalid rule in a tree: what the `PlacementRuleIsValid` validator looks for (reference §4.8). */
export function findInvalidRules(rule: PlacementRule | null | undefined): InvalidPlacementRule[] {
  const found: InvalidPlacementRule[] = [];
  const walk = (r: PlacementRule): void => {
    if (r.type === 'InvalidPlacementRule') found.push(r);
    else if (r.type === 'AndRule' || r.type === 'OrRule') r.rules.forEach(walk);
    else if (r.type === 'NotRule') walk(r.rule);
  };
  if (rule) walk(rule);
  return found;
}
