import type { PlacementOperator } from '../placement-operator';
import { maxPerRule } from './max-per.operator';

/** `field:UNIQUE`: MAX_PER 1 (reference §5.5). */
export const uniqueOperator: PlacementOperator = {
  marathon: { name: 'UNIQUE', parse: (args) => maxPerRule(args, 1) },
  rules: {},
};
