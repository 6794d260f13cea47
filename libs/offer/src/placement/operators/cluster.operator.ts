import type { PlacementOperator } from '../placement-operator';
import { exactMatcher } from '../string-matcher';
import { exactFieldRule } from './field-match.operator';

/** `field:CLUSTER:value`: only where the field equals the value (reference §5.5). */
export const clusterOperator: PlacementOperator = {
  marathon: { name: 'CLUSTER', parse: (args) => exactFieldRule(args, exactMatcher) },
  rules: {},
};
