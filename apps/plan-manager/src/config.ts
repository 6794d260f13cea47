import { Type } from '@sinclair/typebox';
import { DEFAULT_PLAN_LIMITS } from '@marshal/plan';
import { defineConfig } from '@marshal/runtime';

export const PlanManagerConfig = defineConfig('plan-manager', {
  TICK_MS: Type.Integer({ default: 1_000, minimum: 50, description: 'How often time-based rules (back-off expiry, progress deadlines) are checked' }),
  FOLD_WAIT_MS: Type.Integer({ default: 10_000, minimum: 0, description: 'Longest a command waits for the log to be folded up to its minSeq' }),
  MAX_PODS_PER_SERVICE: Type.Integer({
    default: DEFAULT_PLAN_LIMITS.maxPodsPerService,
    minimum: 1,
    description: 'Most pod instances of one service plans are generated for; a configuration over it gets a deploy plan in ERROR instead of steps (spec-renderer has the same setting)',
  }),
  MAX_STEPS_PER_PLAN: Type.Integer({ default: DEFAULT_PLAN_LIMITS.maxStepsPerPlan, minimum: 1, description: 'Most steps of one plan (spec-renderer refuses configurations over it)' }),
  MAX_EVENT_BYTES: Type.Integer({
    default: DEFAULT_PLAN_LIMITS.maxEventBytes,
    minimum: 16 * 1024,
    description: 'Most bytes one plan event may take (JSON); a decision producing a larger one is refused, nothing appended (never above NATS max_payload less 4 KiB)',
  }),
});
