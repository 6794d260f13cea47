export { parsePlacement, placementRuleOf, splitConstraints, escapedSplit, type ParseResult } from './placement/marathon-constraint.parser';
export {
  describeRule,
  referencedFields,
  findInvalidRules,
  type PlacementRule,
  type PlacementRuleType,
  type PlacementField,
} from './placement/placement-rule';
export {
  anyMatcher,
  exactMatcher,
  invertedExactMatcher,
  regexMatcher,
  describeMatcher,
  normalizeNumeric,
  type StringMatcher,
} from './placement/string-matcher';
