import type { PlacementOperator } from '../placement-operator';
import type { FromConstraint, PlacementRule } from '../placement-rule';
import { junction } from './and.operator';

export type OrRule = { type: 'OrRule'; rules: PlacementRule[] } & FromConstraint;

declare module '../placement-rule' {
  interface PlacementRules {
    OrRule: OrRule;
  }
}

/** Passes when any nested rule passes. */
export const orOperator: PlacementOperator<'OrRule'> = { rules: { OrRule: junction('OrRule') } };
