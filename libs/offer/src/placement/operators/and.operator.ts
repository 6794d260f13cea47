import { fail, pass, type Outcome } from '../../outcome';
import type { CompiledRule, PlacementOperator, RuleKind } from '../placement-operator';
import type { PlacementRule } from '../placement-rule';

/** AND and OR over nested rules; `AndRule` itself is declared with the parser, which makes one for several rows. */
export function junction<R extends { type: 'AndRule' | 'OrRule'; rules: PlacementRule[] }>(name: 'AndRule' | 'OrRule'): RuleKind<R> {
  const isAnd = name === 'AndRule';
  return {
    compile: (rule, _p, label, compileChild): CompiledRule => {
      const source = rule.type;
      const children = rule.rules.map(compileChild);
      return {
        evaluate: (agent, info, out) => {
          if (isAnd && children.length === 0) {
            out?.push(fail(source, `${label}No rules to AND together is treated as 'always fail'`));
            return false;
          }
          if (!out) return isAnd ? children.every((c) => c.evaluate(agent, info, null)) : children.some((c) => c.evaluate(agent, info, null));
          const childOutcomes: Outcome[] = [];
          let passing = 0;
          for (const c of children) if (c.evaluate(agent, info, childOutcomes)) passing++;
          const ok = isAnd ? passing === children.length : passing > 0;
          out.push((ok ? pass : fail)(source, `${label}${passing} of ${children.length} rules are passing:`, childOutcomes));
          return ok;
        },
      };
    },
    describe: (rule, describeChild) => `${name}{rules=[${rule.rules.map(describeChild).join(', ')}]}`,
    fields: () => [],
    children: (rule) => rule.rules,
    mapChildren: (rule, f) => ({ ...rule, rules: rule.rules.map(f) }),
  };
}

/** Passes when every nested rule passes (none: fails, like the original). */
export const andOperator: PlacementOperator<'AndRule'> = { rules: { AndRule: junction('AndRule') } };
