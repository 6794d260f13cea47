import type { AgentOutcome, Candidate } from '@marshal/contracts';
import type { CoordinatorFold, TaskFact } from './coordinator.fold';
import type { DecisionContext, StepDecision, StepReport } from './decision';
import { killStep } from './kill.rules';
import { unreserveStep } from './release.rules';

/** Candidate kinds that launch a pod, so need a placement. */
const PLACING = new Set<Candidate['kind']>(['deployment', 'recovery']);

/** What the coordinator does with a candidate this cycle. */
export type Triage =
  /** Evaluate and commit a placement, then launch. */
  | { kind: 'place'; candidate: Candidate }
  /** Its tasks were all launched by a coordinator that stopped before reporting them: report them, launch nothing. */
  | { kind: 'resume'; candidate: Candidate; tasks: TaskFact[] }
  /** A step without a placement (kill, unreserve, erase, …): `decideStep`. */
  | { kind: 'carry-out'; candidate: Candidate }
  /** Its configuration is not folded yet: left for a later cycle. */
  | { kind: 'wait'; candidate: Candidate };

/** Sorts the candidates of a cycle, in their order. */
export function triage(fold: CoordinatorFold, candidates: readonly Candidate[]): Triage[] {
  return candidates.map((candidate): Triage => {
    if (!PLACING.has(candidate.kind)) return { kind: 'carry-out', candidate };
    if (!fold.configs.get(candidate.configId)?.spec.pods.some((p) => p.type === candidate.podType)) return { kind: 'wait', candidate };
    const resumed = fold.unreportedLaunches(candidate);
    if (candidate.tasks.length > 0 && resumed.size === candidate.tasks.length) return { kind: 'resume', candidate, tasks: [...resumed.values()] };
    return { kind: 'place', candidate };
  });
}

/** A step that needs no placement: decommission/uninstall kills and unreserves; the others need no agent action. */
export function decideStep(fold: CoordinatorFold, candidate: Candidate, ctx: DecisionContext): StepDecision {
  switch (candidate.kind) {
    case 'kill':
      return killStep(fold, candidate, ctx);
    case 'unreserve':
      return unreserveStep(fold, candidate, ctx);
    default:
      // erase, deregister, tls-cleanup: nothing to do outside plan-manager's own bookkeeping.
      return { appends: [], report: { result: { kind: 'done', note: `${candidate.kind} needs no agent action` } } };
  }
}

/**
 * The reports of a step whose launch a previous coordinator did not report: `reserved` first if plan-manager still
 * has it PENDING (on the agent of its tasks), then `launched` with those tasks.
 */
export function resumedReports(fold: CoordinatorFold, candidate: Candidate, tasks: readonly TaskFact[]): StepReport[] {
  const reports: StepReport[] = [];
  if (candidate.status === 'PENDING') {
    const agentId = tasks[0].agentId;
    reports.push({ result: { kind: 'reserved', agentId, hostname: fold.ledger.agents.get(agentId)?.hostname ?? agentId } });
  }
  reports.push({ result: { kind: 'launched', tasks: tasks.map((t) => ({ taskId: t.taskId, taskName: t.taskName })) } });
  return reports;
}

/**
 * A step that fits nowhere is reported `no-fit` with the first failing agent's reasons (reference §1.6.2), unless it
 * is PREPARED already (reported before).
 */
export function noFitReport(candidate: Candidate, outcomes: readonly AgentOutcome[]): StepReport | undefined {
  if (candidate.status === 'PREPARED') return undefined;
  const first = outcomes.find((o) => !o.pass);
  const why = first ? `${first.hostname}: ${first.reasons.filter((l) => l.startsWith('FAIL')).join('; ')}` : 'no agent is registered';
  return { result: { kind: 'no-fit', outcome: `no agent fits: ${why}` } };
}
