import type { AgentState } from '../../ledger';
import { fail, pass } from '../../outcome';
import { parseJavaInt } from '../operator-args';
import type { CompiledRule, OperatorArgs, PlacementOperator, Prepared, RuleKind } from '../placement-operator';
import type { FromConstraint, PlacementField, PlacementRule } from '../placement-rule';
import { describeMatcher, type StringMatcher } from '../string-matcher';
import { HOSTNAME, REGION, TaskCounts, ZONE, attributeValue, type Dimension } from '../task-counts';
import { unreachable } from '../unreachable';

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
type RoundRobinRule = RoundRobinByHostnameRule | RoundRobinByAttributeRule | RoundRobinByZoneRule | RoundRobinByRegionRule;

declare module '../placement-rule' {
  interface PlacementRules {
    RoundRobinByHostnameRule: RoundRobinByHostnameRule;
    RoundRobinByAttributeRule: RoundRobinByAttributeRule;
    RoundRobinByZoneRule: RoundRobinByZoneRule;
    RoundRobinByRegionRule: RoundRobinByRegionRule;
  }
}

function parseGroupBy(args: OperatorArgs): PlacementRule {
  const { taskFilter, parameter } = args;
  const count = parameter === undefined ? undefined : parseJavaInt(args.operatorName, parameter);
  switch (args.field) {
    case 'HOSTNAME':
      return { type: 'RoundRobinByHostnameRule', agentCount: count, taskFilter };
    case 'ZONE':
      return { type: 'RoundRobinByZoneRule', zoneCount: count, taskFilter };
    case 'REGION':
      return { type: 'RoundRobinByRegionRule', regionCount: count, taskFilter };
    case 'ATTRIBUTE':
      return { type: 'RoundRobinByAttributeRule', attribute: args.fieldName, valueCount: count, taskFilter };
    default:
      return unreachable(args.field, 'placement field');
  }
}

/** Round-robin (reference §5.4 "Round-robin algorithm"). */
function compileRoundRobin(rule: RoundRobinRule, p: Prepared, label: string): CompiledRule {
  const source = rule.type;
  let dim: Dimension;
  let offerKey: (agent: AgentState) => string | undefined;
  let distinct: number | undefined;
  switch (rule.type) {
    case 'RoundRobinByHostnameRule':
      dim = HOSTNAME;
      offerKey = (agent) => agent.hostname;
      distinct = rule.agentCount;
      break;
    case 'RoundRobinByZoneRule':
      dim = ZONE;
      offerKey = (agent) => agent.zone;
      distinct = rule.zoneCount;
      break;
    case 'RoundRobinByRegionRule':
      dim = REGION;
      offerKey = (agent) => agent.region;
      distinct = rule.regionCount;
      break;
    case 'RoundRobinByAttributeRule': {
      dim = attributeValue(rule.attribute);
      const lower = rule.attribute.toLowerCase();
      offerKey = (agent) => {
        for (const name in agent.attributes) if (name.toLowerCase() === lower) return agent.attributes[name];
        return undefined;
      };
      distinct = rule.valueCount;
      break;
    }
    default:
      return unreachable(rule, 'round-robin rule');
  }
  const counts = new TaskCounts(p, rule.taskFilter, dim).merged();
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  for (const n of counts.values()) {
    if (n > max) max = n;
    if (n < min) min = n;
  }
  if (counts.size === 0) min = 0;
  return {
    evaluate: (agent, _info, out) => {
      const key = offerKey(agent);
      if (key === undefined) {
        out?.push(fail(source, `${label}Offer lacks needed information for round robin placement`));
        return false;
      }
      const offerCount = counts.get(key) ?? 0;
      if (min === max || offerCount <= min) {
        if (distinct === undefined) {
          out?.push(
            pass(source, `${label}Distinct key count is unspecified, and '${key}' has ${offerCount} instances while others have ${min} to ${max}`),
          );
          return true;
        }
        if (counts.size >= distinct) {
          out?.push(pass(source, `${label}All distinct keys are found, and '${key}' has ${offerCount} instances while others have ${min} to ${max}`));
          return true;
        }
        if (offerCount === 0) {
          out?.push(pass(source, `${label}Other keys have zero usage, and so does key '${key}'`));
          return true;
        }
        out?.push(fail(source, `${label}Other keys have zero instances, but key '${key}' has ${offerCount}`));
        return false;
      }
      out?.push(fail(source, `${label}Key '${key}' is already full, and others are known to not be full`));
      return false;
    },
  };
}

const optional = (n: number | undefined): string => (n === undefined ? 'Optional.empty' : `Optional[${n}]`);

function roundRobinKind<R extends RoundRobinRule>(field: PlacementField, describe: (rule: R) => string): RuleKind<R> {
  return { compile: (rule, p, label) => compileRoundRobin(rule, p, label), describe, fields: () => [field] };
}

/** `field:GROUP_BY[:count]`: spread the pod type's tasks evenly over the field's values (reference §5.5). */
export const groupByOperator: PlacementOperator<RoundRobinRule['type']> = {
  marathon: { name: 'GROUP_BY', parse: parseGroupBy },
  rules: {
    RoundRobinByHostnameRule: roundRobinKind('HOSTNAME', (rule) => `RoundRobinByHostnameRule{agent-count=${optional(rule.agentCount)}, task-filter=${describeMatcher(rule.taskFilter)}}`),
    RoundRobinByAttributeRule: roundRobinKind(
      'ATTRIBUTE',
      (rule) => `RoundRobinByAttributeRule{attribute=${rule.attribute}, attribute-count=${optional(rule.valueCount)}, task-filter=${describeMatcher(rule.taskFilter)}}`,
    ),
    RoundRobinByZoneRule: roundRobinKind('ZONE', (rule) => `RoundRobinByZoneRule{zone-count=${optional(rule.zoneCount)}, task-filter=${describeMatcher(rule.taskFilter)}}`),
    RoundRobinByRegionRule: roundRobinKind('REGION', (rule) => `RoundRobinByRegionRule{region-count=${optional(rule.regionCount)}, task-filter=${describeMatcher(rule.taskFilter)}}`),
  },
};
