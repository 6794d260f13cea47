import type { AgentInfo, AgentState } from '../../ledger';
import { fail, pass } from '../../outcome';
import { ConstraintError, escapeRegex, parseJavaInt, regex, required } from '../operator-args';
import type { CompiledRule, OperatorArgs, PlacementOperator, Prepared, RuleKind } from '../placement-operator';
import type { FromConstraint, PlacementField, PlacementRule } from '../placement-rule';
import { attributeString, compileMatcher, describeMatcher, type StringMatcher } from '../string-matcher';
import { ATTRIBUTE, HOSTNAME, REGION, TaskCounts, ZONE } from '../task-counts';
import { unreachable } from '../unreachable';

export type MaxPerHostnameRule = { type: 'MaxPerHostnameRule'; max: number; taskFilter: StringMatcher } & FromConstraint;
export type MaxPerAttributeRule = {
  type: 'MaxPerAttributeRule';
  max: number;
  matcher: StringMatcher;
  taskFilter: StringMatcher;
} & FromConstraint;
export type MaxPerZoneRule = { type: 'MaxPerZoneRule'; max: number; taskFilter: StringMatcher } & FromConstraint;
export type MaxPerRegionRule = { type: 'MaxPerRegionRule'; max: number; taskFilter: StringMatcher } & FromConstraint;
type MaxPerRule = MaxPerHostnameRule | MaxPerAttributeRule | MaxPerZoneRule | MaxPerRegionRule;

declare module '../placement-rule' {
  interface PlacementRules {
    MaxPerHostnameRule: MaxPerHostnameRule;
    MaxPerAttributeRule: MaxPerAttributeRule;
    MaxPerZoneRule: MaxPerZoneRule;
    MaxPerRegionRule: MaxPerRegionRule;
  }
}

/** At most `max` tasks of the pod type per value of the row's field (MAX_PER; UNIQUE is `max` 1). */
export function maxPerRule(args: OperatorArgs, max: number): PlacementRule {
  const { taskFilter, operatorName } = args;
  if (max < 1) throw new ConstraintError(`Invalid max parameter for '${operatorName}' operation: ${max} (must be at least 1)`);
  switch (args.field) {
    case 'HOSTNAME':
      return { type: 'MaxPerHostnameRule', max, taskFilter };
    case 'ZONE':
      return { type: 'MaxPerZoneRule', max, taskFilter };
    case 'REGION':
      return { type: 'MaxPerRegionRule', max, taskFilter };
    case 'ATTRIBUTE': {
      // The agent must have the attribute at all, and each of its values holds at most `max` tasks.
      const matcher = regex(attributeString(escapeRegex(args.fieldName), '.*'), operatorName);
      return {
        type: 'AndRule',
        rules: [
          { type: 'AttributeRule', matcher },
          { type: 'MaxPerAttributeRule', max, matcher, taskFilter },
        ],
      };
    }
    default:
      return unreachable(args.field, 'placement field');
  }
}

/**
 * MaxPer: counts start at 1 for each offer key (the task being placed), plus every matching stored task of another
 * pod instance under that key; pass iff every count ≤ max (reference §5.4 "MaxPer algorithm").
 */
function compileMaxPer(rule: MaxPerRule, p: Prepared, label: string): CompiledRule {
  const source = rule.type;
  const max = rule.max;
  const filterText = (): string => describeMatcher(rule.taskFilter);
  let counts: TaskCounts;
  // Hostname, zone and region give an agent at most one key; attributes any number.
  let offerKey: ((agent: AgentState) => string | undefined) | undefined;
  let offerKeys: ((info: AgentInfo) => string[]) | undefined;
  let where: (key: string) => string;
  switch (rule.type) {
    case 'MaxPerHostnameRule':
      counts = new TaskCounts(p, rule.taskFilter, HOSTNAME);
      offerKey = (agent) => agent.hostname;
      where = (k) => `on host ${k}`;
      break;
    case 'MaxPerZoneRule':
      counts = new TaskCounts(p, rule.taskFilter, ZONE);
      offerKey = (agent) => agent.zone;
      where = (k) => `in zone ${k}`;
      break;
    case 'MaxPerRegionRule':
      counts = new TaskCounts(p, rule.taskFilter, REGION);
      offerKey = (agent) => agent.region;
      where = (k) => `in region ${k}`;
      break;
    case 'MaxPerAttributeRule': {
      counts = new TaskCounts(p, rule.taskFilter, ATTRIBUTE);
      const matches = compileMatcher(rule.matcher);
      offerKeys = (info) => info.attrStrings.filter(matches);
      where = (k) => `on agents with attribute ${k}`;
      break;
    }
    default:
      return unreachable(rule, 'MaxPer rule');
  }
  return {
    evaluate: (agent, info, out) => {
      if (rule.type === 'MaxPerZoneRule' && agent.zone === undefined) {
        out?.push(fail(source, `${label}Offer does not contain a zone.`));
        return false;
      }
      let keys: string[];
      if (offerKey) {
        const key = offerKey(agent);
        if (!out) return key === undefined || 1 + counts.count(key) <= max;
        keys = key === undefined ? [] : [key];
      } else {
        keys = (offerKeys as (info: AgentInfo) => string[])(info);
      }
      const over = keys.find((key) => 1 + counts.count(key) > max);
      if (!out) return over === undefined;
      if (over === undefined) {
        const at = keys.length === 0 ? 'on this agent' : keys.map(where).join(', ');
        out.push(pass(source, `${label}Fewer than ${max} tasks matching filter '${filterText()}' are present ${at}`));
        return true;
      }
      out.push(fail(source, `${label}${counts.holders(over)} already ${where(over)}`));
      return false;
    },
  };
}

function maxPerKind<R extends MaxPerRule>(field: PlacementField): RuleKind<R> {
  return {
    compile: (rule, p, label) => compileMaxPer(rule, p, label),
    describe: (rule) =>
      rule.type === 'MaxPerAttributeRule'
        ? `MaxPerAttributeRule{max=${rule.max}, matcher=${describeMatcher(rule.matcher)}, task-filter=${describeMatcher(rule.taskFilter)}}`
        : `${rule.type}{max=${rule.max}, task-filter=${describeMatcher(rule.taskFilter)}}`,
    fields: () => [field],
  };
}

/** `field:MAX_PER:n` (reference §5.5). */
export const maxPerOperator: PlacementOperator<MaxPerRule['type']> = {
  marathon: { name: 'MAX_PER', parse: (args) => maxPerRule(args, parseJavaInt(args.operatorName, required(args))) },
  rules: {
    MaxPerHostnameRule: maxPerKind('HOSTNAME'),
    MaxPerAttributeRule: maxPerKind('ATTRIBUTE'),
    MaxPerZoneRule: maxPerKind('ZONE'),
    MaxPerRegionRule: maxPerKind('REGION'),
  },
};
