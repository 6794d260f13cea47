import { fail, pass } from '../../outcome';
import { regex, required } from '../operator-args';
import type { Field, OperatorArgs, PlacementOperator, RuleKind } from '../placement-operator';
import type { FromConstraint, PlacementRule } from '../placement-rule';
import { attributeString, compileMatcher, describeMatcher, type StringMatcher } from '../string-matcher';
import { unreachable } from '../unreachable';

export type HostnameRule = { type: 'HostnameRule'; matcher: StringMatcher } & FromConstraint;
export type AttributeRule = { type: 'AttributeRule'; matcher: StringMatcher } & FromConstraint;
export type ZoneRule = { type: 'ZoneRule'; matcher: StringMatcher } & FromConstraint;
export type RegionRule = { type: 'RegionRule'; matcher: StringMatcher } & FromConstraint;

declare module '../placement-rule' {
  interface PlacementRules {
    HostnameRule: HostnameRule;
    AttributeRule: AttributeRule;
    ZoneRule: ZoneRule;
    RegionRule: RegionRule;
  }
}

/** The rule that matches `field` of an agent (CLUSTER, IS, IS_NOT, LIKE and UNLIKE make these). */
export function fieldRule(field: Field, matcher: StringMatcher): PlacementRule {
  switch (field) {
    case 'HOSTNAME':
      return { type: 'HostnameRule', matcher };
    case 'ZONE':
      return { type: 'ZoneRule', matcher };
    case 'REGION':
      return { type: 'RegionRule', matcher };
    case 'ATTRIBUTE':
      return { type: 'AttributeRule', matcher };
    default:
      return unreachable(field, 'placement field');
  }
}

const describeMatch = (rule: HostnameRule | AttributeRule | ZoneRule | RegionRule): string => `${rule.type}{matcher=${describeMatcher(rule.matcher)}}`;

/** Hostname, zone or region against a matcher (an agent without a zone fails a zone rule with its own reason). */
function keyMatch<R extends HostnameRule | ZoneRule | RegionRule>(what: string, field: Field, keyOf: (agent: { hostname: string; zone?: string; region?: string }) => string | undefined): RuleKind<R> {
  return {
    compile: (rule, _p, label) => {
      const source = rule.type;
      const matches = compileMatcher(rule.matcher);
      const m = (): string => describeMatcher(rule.matcher);
      return {
        evaluate: (agent, _info, out) => {
          const key = keyOf(agent);
          if (key === undefined && rule.type === 'ZoneRule') {
            out?.push(fail(source, `${label}Offer does not contain a zone.`));
            return false;
          }
          const ok = key !== undefined && matches(key);
          out?.push(
            ok ? pass(source, `${label}Offer ${what} matches pattern: '${m()}'`) : fail(source, `${label}Offer ${what} didn't match pattern: '${m()}'`),
          );
          return ok;
        },
      };
    },
    describe: describeMatch,
    fields: () => [field],
  };
}

/** Rules on one field of an agent: hostname, attribute (`<name>:<value>` strings), zone, region (reference §5.4). */
export const fieldMatchOperator: PlacementOperator<'HostnameRule' | 'AttributeRule' | 'ZoneRule' | 'RegionRule'> = {
  rules: {
    HostnameRule: keyMatch('hostname', 'HOSTNAME', (agent) => agent.hostname),
    ZoneRule: keyMatch('zone', 'ZONE', (agent) => agent.zone),
    RegionRule: keyMatch('region', 'REGION', (agent) => agent.region),
    AttributeRule: {
      compile: (rule, _p, label) => {
        const source = rule.type;
        const matches = compileMatcher(rule.matcher);
        const m = (): string => describeMatcher(rule.matcher);
        return {
          evaluate: (_agent, info, out) => {
            const ok = info.attrStrings.some(matches);
            out?.push(
              ok
                ? pass(source, `${label}Match found for attribute pattern: '${m()}'`)
                : fail(source, `${label}None of ${info.attrStrings.length} attributes matched pattern: '${m()}'`),
            );
            return ok;
          },
        };
      },
      describe: describeMatch,
      fields: () => ['ATTRIBUTE'],
    },
  },
};

/** The row's field equal to (or, with `make` inverted, different from) the parameter: CLUSTER, IS, IS_NOT. */
export function exactFieldRule(args: OperatorArgs, make: (value: string) => StringMatcher): PlacementRule {
  const value = required(args);
  return fieldRule(args.field, args.field === 'ATTRIBUTE' ? make(attributeString(args.fieldName, value)) : make(value));
}

/** The row's field matching the parameter as a whole-string regex: LIKE (UNLIKE is its negation). */
export function likeFieldRule(args: OperatorArgs): PlacementRule {
  const pattern = required(args);
  return fieldRule(args.field, regex(args.field === 'ATTRIBUTE' ? attributeString(args.fieldName, pattern) : pattern, args.operatorName));
}
