import type { PlacementOperator } from '../placement-operator';
import { exactMatcher } from '../string-matcher';
import { exactFieldRule } from './field-match.operator';

/** `field:IS:value`: only where the field equals the value (reference §5.5). */
export const isOperator: PlacementOperator = {
  marathon: { name: 'IS', parse: (args) => exactFieldRule(args, exactMatcher) },
  rules: {},
};
