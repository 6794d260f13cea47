import type { PlacementOperator } from '../placement-operator';
import { likeFieldRule } from './field-match.operator';

/** `field:LIKE:regex`: only where the field matches the whole regex (reference §5.5). */
export const likeOperator: PlacementOperator = {
  marathon: { name: 'LIKE', parse: likeFieldRule },
  rules: {},
};
