import type { PlacementOperator } from '../placement-operator';
import { invertedExactMatcher } from '../string-matcher';
import { exactFieldRule } from './field-match.operator';

/** `field:IS_NOT:value`: only where the field differs from the value (reference §5.5). */
export const isNotOperator: PlacementOperator = {
  marathon: { name: 'IS_NOT', parse: (args) => exactFieldRule(args, invertedExactMatcher) },
  rules: {},
};
