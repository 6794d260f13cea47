import type { PlanTree, StepTree } from '@marshal/contracts';
import { phaseStatus, planErrors, planStatus } from './plan-status';
import { stepDisplayStatus, stepStatus } from './step-status';
import { strategyName } from './strategy';
import type { PlanModel, StepModel } from '@marshal/contracts';
import type { PlanContext } from './plan-context';

export interface TreeDisplay {
  ctx?: PlanContext;
  /** Whether every task of the step's pod has a PAUSED override (reference §1.6.2); false for steps without a pod. */
  allTasksPaused?: (step: StepModel) => boolean;
}

function stepTree(step: StepModel, display: TreeDisplay): StepTree {
  const r = step.requirement;
  return {
    id: step.id,
    name: step.name,
    kind: step.kind,
    status: stepDisplayStatus(step, stepStatus(step, display.ctx), { allTasksPaused: display.allTasksPaused?.(step) ?? false }),
    ...(r ? { podType: r.podType, podIndex: r.podIndex } : {}),
    tasks: r ? [...r.tasks] : [],
    ...(r ? { recoveryType: r.recoveryType } : {}),
    ...(step.target === undefined ? {} : { target: step.target }),
    errors: [...step.errors],
  };
}

/**
 * The plan as the API shows it (reference §6.2): plan and phase statuses aggregated, step statuses as display
 * statuses, strategy names as the original reported them, errors of the plan and all its steps.
 */
export function toPlanTree(plan: PlanModel, display: TreeDisplay = {}): PlanTree {
  return {
    name: plan.name,
    strategy: strategyName(plan.strategy),
    status: planStatus(plan, display.ctx),
    errors: planErrors(plan),
    phases: plan.phases.map((p) => ({
      id: p.id,
      name: p.name,
      strategy: strategyName(p.strategy),
      status: phaseStatus(p, display.ctx),
      steps: p.steps.map((s) => stepTree(s, display)),
    })),
  };
}
