import { pass } from '../../outcome';
import type { PlacementOperator } from '../placement-operator';
import type { FromConstraint } from '../placement-rule';

export type PassthroughRule = { type: 'PassthroughRule' } & FromConstraint;

declare module '../placement-rule' {
  interface PlacementRules {
    PassthroughRule: PassthroughRule;
  }
}

/** Passes everywhere: a pod without placement constraints. */
export const passthroughOperator: PlacementOperator<'PassthroughRule'> = {
  rules: {
    PassthroughRule: {
      compile: (rule, _p, label) => ({
        evaluate: (_a, _i, out) => {
          out?.push(pass(rule.type, `${label}Passthrough rule always passes.`));
          return true;
        },
      }),
      describe: () => 'PassthroughRule{}',
      fields: () => [],
    },
  },
};
