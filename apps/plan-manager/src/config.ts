import { Type } from '@sinclair/typebox';
import { defineConfig } from '@marshal/runtime';

export const PlanManagerConfig = defineConfig('plan-manager', {
  TICK_MS: Type.Integer({ default: 1_000, minimum: 50, description: 'How often time-based rules (back-off expiry, progress deadlines) are checked' }),
  FOLD_WAIT_MS: Type.Integer({ default: 10_000, minimum: 0, description: 'Longest a command waits for the log to be folded up to its minSeq' }),
});
