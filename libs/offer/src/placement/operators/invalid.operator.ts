import { fail } from '../../outcome';
import type { PlacementOperator } from '../placement-operator';

/** An unparseable `placement` string (`InvalidPlacementRule`, declared with the parser): fails everywhere (§5.4). */
export const invalidOperator: PlacementOperator<'InvalidPlacementRule'> = {
  rules: {
    InvalidPlacementRule: {
      compile: (rule, p, label) => ({
        evaluate: (_a, _i, out) => {
          out?.push(fail(rule.type, `${label}Invalid placement constraints for ${p.podInstanceName}: ${rule.constraints}`));
          return false;
        },
      }),
      describe: (rule) => `InvalidPlacementRule{constraints=${rule.constraints}, exception=${rule.error}}`,
      fields: () => [],
    },
  },
};
