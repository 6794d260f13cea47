import { planHasErrors } from '@marshal/plan';
import type { PlanReply } from './plan-tree';

/** `[████████░░░░░░░░] 3/8 steps COMPLETE` for a plan, for live views. */
export function progressBar(plan: PlanReply, width = 24): string {
  const steps = (plan.phases ?? []).flatMap((p) => p.steps ?? []);
  const done = steps.filter((s) => s.status === 'COMPLETE').length;
  const filled = steps.length ? Math.round((done / steps.length) * width) : width;
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${steps.length} steps complete`;
}

/** Terminal statuses of a plan for `--wait`/`--watch`: COMPLETE ends well, ERROR ends badly. */
export function planFinished(plan: PlanReply): 'complete' | 'error' | undefined {
  if (plan.status === 'COMPLETE') return 'complete';
  if (planHasErrors({ status: plan.status ?? '', errors: plan.errors ?? [] })) return 'error';
  return undefined;
}
