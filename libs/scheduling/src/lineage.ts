import type { Candidate } from '@marshal/contracts';

/** Where the events appended for a candidate belong in the audit log. */
export interface Chain {
  correlationId: string;
  causationId: string | null;
}

/**
 * The candidate's chain: work on a step continues the correlation of the event that last changed or released
 * it and is caused by that event, so the audit log leads from a configuration or an operator's command to every
 * transition it caused. A candidate without lineage (a plan-manager that predates it) correlates by its step.
 */
export function chainOf(candidate: Candidate): Chain {
  return candidate.lineage ?? { correlationId: candidate.stepId, causationId: null };
}

/**
 * The chain of one event appended for several candidates (a batch of reservations on one agent): theirs when they all
 * share it; else a correlation of its own and no cause, and each candidate's later events continue its own chain.
 */
export function sharedChainOf(candidates: readonly Candidate[], newId: () => string): Chain {
  const [first, ...rest] = candidates.map(chainOf);
  if (!first) return { correlationId: newId(), causationId: null };
  if (rest.some((c) => c.correlationId !== first.correlationId)) return { correlationId: newId(), causationId: null };
  return rest.every((c) => c.causationId === first.causationId) ? first : { correlationId: first.correlationId, causationId: null };
}
