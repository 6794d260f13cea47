import type { Status, StepModel } from '@marshal/contracts';
import { coordinatorCandidates } from '../model/coordinator';
import { stepStatus } from '../model/step-status';
import { planContext } from './service.queries';
import { progressDeadlineMs } from './service-settings';
import type { ServiceState, StepProgress } from './service-state';

const WAITING_FOR: Partial<Record<Status, string>> = {
  PENDING: 'waiting to be placed on an agent',
  PREPARED: 'waiting for an agent with room for it',
  STARTING: 'waiting for its tasks to start',
  STARTED: 'waiting for its tasks to become ready or finish',
};

function describe(step: StepModel, phase: string, status: Status, since: StepProgress, deadlineMs: number): string {
  const last = since.reason && since.reason !== 'generated' ? `; last: ${since.reason}` : '';
  return (
    `Step '${step.name}' of phase '${phase}' made no progress within ${Math.round(deadlineMs / 1000)}s ` +
    `(${status} since ${since.at}): ${WAITING_FOR[status] ?? 'waiting'}${last}`
  );
}

/**
 * Marshal's progress deadline (not in the original): per plan with a deadline, the steps that are being worked on —
 * candidates the coordinator would place now, or steps with tasks in flight — whose last change is older than the
 * deadline, described with what they wait for. Interrupted, delayed, complete and queued steps are never overdue.
 * The texts only change when a step's state does, so publishing them does not repeat.
 */
export function overdueSteps(state: ServiceState, now: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const deadlines = new Map(state.plans.flatMap((p) => {
    const ms = progressDeadlineMs(state, p.name);
    return ms === undefined ? [] : [[p.name, ms] as const];
  }));
  if (deadlines.size === 0 || state.plans.length === 0) return out;
  const ctx = planContext(state, now);
  const candidates = new Set(coordinatorCandidates(state.plans, { ctx }).candidates.map((c) => c.step.id));
  const nowMs = Date.parse(now);
  for (const plan of state.plans) {
    const deadline = deadlines.get(plan.name);
    if (deadline === undefined) continue;
    const errors: string[] = [];
    for (const phase of plan.phases) {
      for (const step of phase.steps) {
        const status = stepStatus(step, ctx);
        const inFlight = status === 'PREPARED' || status === 'STARTING' || status === 'STARTED';
        if (!inFlight && !(status === 'PENDING' && candidates.has(step.id))) continue;
        const since = state.progress[step.id];
        if (!since || nowMs - Date.parse(since.at) < deadline) continue;
        errors.push(describe(step, phase.name, status, since, deadline));
      }
    }
    if (errors.length) out.set(plan.name, errors);
  }
  return out;
}
