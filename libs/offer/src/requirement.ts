import { requirementName, type AgentOutcome, type Candidate } from '@marshal/contracts';
import type { EvaluationResult } from './evaluate';

/** What a step asks the evaluator for: a pod instance and the tasks to launch in it (reference §1.6.1). */
export type PodInstanceRequirement = Pick<Candidate, 'podType' | 'podIndex' | 'tasks'>;

/**
 * Why an evaluation found nothing (or what it chose), in words: the text a step shows while it waits
 * (ReportOfferEvaluated's `outcome`).
 */
export function summarizeEvaluation(candidate: Candidate, result: EvaluationResult, agentCount: number): string {
  const name = requirementName(candidate);
  if (result.proposal) return `${name}: placed on agent ${result.proposal.agentId} (${result.proposal.hostname})`;
  if (agentCount === 0) return `${name}: no agent is registered`;
  const rejected = result.outcomes.filter((o) => !o.pass);
  const shown = rejected.length < agentCount ? ` (showing ${rejected.length} closest to fitting)` : '';
  return [`${name}: none of ${agentCount} agents fits${shown}`, ...rejected.map(renderAgent)].join('\n');
}

function renderAgent(o: AgentOutcome): string {
  const failing = o.reasons.filter((r) => r.trimStart().startsWith('FAIL('));
  return `- ${o.agentId} (${o.hostname}): ${failing.map((r) => r.trim()).join('; ')}`;
}
