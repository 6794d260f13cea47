import type { PlacementOperator } from '../placement-operator';
import { likeFieldRule } from './field-match.operator';

/** `field:UNLIKE:regex`: only where the field does not match the whole regex (reference §5.5). */
export const unlikeOperator: PlacementOperator = {
  marathon: { name: 'UNLIKE', parse: (args) => ({ type: 'NotRule', rule: likeFieldRule(args) }) },
  rules: {},
};
