import type { PlanTree } from '@marshal/contracts';

/** Health result codes of the original (reference §6.7); the HTTP status is the code. */
export const HEALTH = {
  INITIALIZING: 318,
  RUNNING: 200,
  ERROR_CREATING_SERVICE: 500,
  DEPLOYING_PENDING: 204,
  DEPLOYING_STARTING: 202,
  DELAYED: 208,
  DEPLOYING_WAITING_USER: 207,
  RECOVERING_PENDING: 203,
  RECOVERING_STARTING: 205,
  BACKING_UP: 320,
  RESTORING: 321,
  SERVICE_UNAVAILABLE: 503,
} as const;
export type HealthName = keyof typeof HEALTH;

export interface HealthResult {
  name: HealthName;
  code: number;
  /** What was checked, in order, and what held (the verbose reasons). */
  reasons: string[];
}

/** What health needs of a plan: the API's view (statuses as shown) plus whether it is interrupted. */
export interface HealthPlanView {
  tree: Pick<PlanTree, 'name' | 'status' | 'errors' | 'phases'>;
  interrupted: boolean;
}

/** A plan the API reports as failed: its status is ERROR or it carries errors (reference §6.2 answers 417, §6.7). */
export function planHasErrors(plan: { status: string; errors: readonly unknown[] }): boolean {
  return plan.status === 'ERROR' || plan.errors.length > 0;
}

/**
 * Framework-level health of the multi-service scheduler (reference §6.9), from every service's plans: 417 when a plan
 * has errors, 202 while one is not complete, else 200.
 */
export function frameworkHealthCode(services: readonly (readonly { status: string; errors: readonly unknown[] }[])[]): number {
  const plans = services.flat();
  if (plans.some(planHasErrors)) return 417;
  return plans.some((p) => p.status !== 'COMPLETE') ? 202 : 200;
}

const RUNNING_STATUSES = new Set(['PENDING', 'PREPARED', 'STARTING', 'STARTED', 'IN_PROGRESS']);

function steps(plan: HealthPlanView | undefined): { status: string }[] {
  return plan ? plan.tree.phases.flatMap((p) => p.steps) : [];
}

/** Deploying/recovering check: any DELAYED → 208; any PENDING/PREPARED → pending code; STARTING/STARTED → starting code. */
function progressCode(plan: HealthPlanView | undefined, pending: HealthName, starting: HealthName): HealthName | undefined {
  const s = steps(plan);
  if (s.some((x) => x.status === 'DELAYED')) return 'DELAYED';
  if (s.some((x) => x.status === 'PENDING' || x.status === 'PREPARED')) return pending;
  if (s.some((x) => x.status === 'STARTING' || x.status === 'STARTED')) return starting;
  return undefined;
}

/**
 * A service's health (reference §6.7): ERROR_CREATING_SERVICE → INITIALIZING → deploying → waiting for the user →
 * recovering → RUNNING when the deploy plan is complete, which RESTORING or BACKING_UP replace while such a plan runs;
 * SERVICE_UNAVAILABLE when nothing applies. `plans` are in coordinator order.
 */
export function serviceHealth(plans: HealthPlanView[]): HealthResult {
  const reasons: string[] = [];
  const result = (name: HealthName): HealthResult => ({ name, code: HEALTH[name], reasons });
  const withErrors = plans.filter((p) => planHasErrors(p.tree));
  reasons.push(`Priority 1. Status Code ${HEALTH.ERROR_CREATING_SERVICE} is ${withErrors.length > 0}: plans with errors: [${withErrors.map((p) => p.tree.name).join(', ')}]`);
  if (withErrors.length) return result('ERROR_CREATING_SERVICE');
  const deploy = plans.find((p) => p.tree.name === 'deploy');
  reasons.push(`Priority 1. Status Code ${HEALTH.INITIALIZING} is ${!deploy}: ${deploy ? 'the deploy plan exists' : 'no deploy plan yet'}`);
  if (!deploy) return result('INITIALIZING');
  const deploying = progressCode(deploy, 'DEPLOYING_PENDING', 'DEPLOYING_STARTING');
  reasons.push(`Priority 2. Deploying: ${deploying ? `Status Code ${HEALTH[deploying]} is TRUE` : 'no deploy step is pending or starting'}`);
  if (deploying) return result(deploying);
  const waiting = deploy.interrupted || steps(deploy).some((s) => s.status === 'WAITING');
  reasons.push(`Priority 2. Status Code ${HEALTH.DEPLOYING_WAITING_USER} is ${waiting}: the deploy plan ${waiting ? 'waits for an operator' : 'is not interrupted'}`);
  if (waiting) return result('DEPLOYING_WAITING_USER');
  const recovering = progressCode(
    plans.find((p) => p.tree.name === 'recovery'),
    'RECOVERING_PENDING',
    'RECOVERING_STARTING',
  );
  reasons.push(`Priority 4. Recovering: ${recovering ? `Status Code ${HEALTH[recovering]} is TRUE` : 'no recovery step is pending or starting'}`);
  if (recovering) return result(recovering);
  if (deploy.tree.status !== 'COMPLETE') {
    reasons.push(`Status Code ${HEALTH.SERVICE_UNAVAILABLE}: the deploy plan is ${deploy.tree.status}`);
    return result('SERVICE_UNAVAILABLE');
  }
  const running = (re: RegExp): boolean => plans.some((p) => re.test(p.tree.name) && RUNNING_STATUSES.has(p.tree.status) && !p.interrupted);
  if (running(/restor/)) {
    reasons.push(`Priority 5. Status Code ${HEALTH.RESTORING} is TRUE: a restore plan is running`);
    return result('RESTORING');
  }
  if (running(/back/)) {
    reasons.push(`Priority 5. Status Code ${HEALTH.BACKING_UP} is TRUE: a backup plan is running`);
    return result('BACKING_UP');
  }
  reasons.push(`Priority 1. Status Code ${HEALTH.RUNNING} is TRUE: the deploy plan is complete`);
  return result('RUNNING');
}
