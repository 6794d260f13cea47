import type { MarshalEvent } from '@marshal/contracts';

/** What a service's `.plan` subject says about its deployment: completed once, and whether it is being uninstalled. */
export interface DeploymentFacts {
  /** `last-completed-update-type` = `DEPLOY` (reference §2.7): selects the update plan and relaxes validators. */
  deploymentCompleted: boolean;
  /** Uninstall started: the only plan is the uninstall plan, named deploy (reference §3.6). */
  uninstalling: boolean;
}

export const NO_DEPLOYMENT: DeploymentFacts = { deploymentCompleted: false, uninstalling: false };

/**
 * The "deployment completed" rule, folded over a service's events in log order (reference §2.7): the first time the
 * deploy plan is COMPLETE the deployment has completed, for good; the uninstall plan, also named deploy, is no
 * deployment; a removed service's past deployments do not count for one installed under its name since.
 * plan-manager's service fold, the gateway's state view and spec-renderer's validators all decide it here.
 */
export function evolveDeployment<F extends DeploymentFacts>(facts: F, e: MarshalEvent): F {
  switch (e.type) {
    case 'PlanStatusChanged':
      return !facts.deploymentCompleted && !facts.uninstalling && e.data.plan === 'deploy' && e.data.status === 'COMPLETE' ? { ...facts, deploymentCompleted: true } : facts;
    case 'ServiceUninstallStarted':
      return facts.uninstalling ? facts : { ...facts, uninstalling: true };
    case 'ServiceRemoved':
      return { ...facts, ...NO_DEPLOYMENT };
    default:
      return facts;
  }
}
