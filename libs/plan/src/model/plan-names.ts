/** Plan names the original gives a meaning (reference §1.1, §3.3). */
export const DEPLOY_PLAN = 'deploy';
export const UPDATE_PLAN = 'update';
export const RECOVERY_PLAN = 'recovery';
export const DECOMMISSION_PLAN = 'decommission';
