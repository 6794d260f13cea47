import { fail, pass, type Outcome } from '../../outcome';
import type { PlacementOperator } from '../placement-operator';
import type { FromConstraint, PlacementRule } from '../placement-rule';

export type NotRule = { type: 'NotRule'; rule: PlacementRule } & FromConstraint;

declare module '../placement-rule' {
  interface PlacementRules {
    NotRule: NotRule;
  }
}

/** Passes where its nested rule fails (what UNLIKE makes of LIKE). */
export const notOperator: PlacementOperator<'NotRule'> = {
  rules: {
    NotRule: {
      compile: (rule, _p, label, compileChild) => {
        const child = compileChild(rule.rule);
        return {
          evaluate: (agent, info, out) => {
            if (!out) return !child.evaluate(agent, info, null);
            const childOutcomes: Outcome[] = [];
            const ok = !child.evaluate(agent, info, childOutcomes);
            out.push((ok ? pass : fail)(rule.type, `${label}Returning opposite of child rule`, childOutcomes));
            return ok;
          },
        };
      },
      describe: (rule, describeChild) => `NotRule{rule=${describeChild(rule.rule)}}`,
      fields: () => [],
      children: (rule) => [rule.rule],
      mapChildren: (rule, f) => ({ ...rule, rule: f(rule.rule) }),
    },
  },
};
