import { Type } from '@sinclair/typebox';
import { defineConfig } from '@marshal/runtime';

export const EvaluatorConfig = defineConfig('offer-evaluator', {
  LEDGER_WAIT_MS: Type.Integer({ default: 5_000, minimum: 0, description: 'Longest an evaluation waits for the ledger to reach the requested sequence' }),
});
