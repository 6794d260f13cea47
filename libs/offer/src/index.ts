export { emptyLedger, applyToLedger, freeResources, reserveTentatively, type Reservation, type AgentState, type Ledger } from './ledger';
export { evaluate, DEFAULT_MAX_OUTCOMES, DEFAULT_MAX_OUTCOMES_WITH_PROPOSAL, type EvaluationInput, type EvaluationResult } from './evaluate';
export { footprintOf, toReservation, usesHostPorts, type Footprint } from './footprint';
export { evaluateBatch, DEFAULT_BATCH_OUTCOMES_WITH_PROPOSAL, type BatchEvaluationInput } from './evaluate-batch';
export {
  buildTaskInfos,
  schedulerApiHostname,
  toEnvName,
  DEFAULT_MARATHON_NAME,
  DEFAULT_SERVICE_TLD,
  DEFAULT_VIP_TLD,
  type BuildTaskInfosInput,
} from './task-info.builder';
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
export { evaluatePlacement, type PlacementCheckInput } from './placement/evaluate-placement';
export { renderOutcomes, type Outcome } from './outcome';
export { summarizeEvaluation, type PodInstanceRequirement } from './requirement';
export { serviceEndpoints, type EndpointView, type EndpointTask } from './endpoints';
export { OfferOutcomeTracker, describeOffer, DEFAULT_TRACKER_CAPACITY, type TrackedEvaluation } from './offer-tracker';
