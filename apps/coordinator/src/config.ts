import { Type } from '@sinclair/typebox';
import { defineConfig } from '@marshal/runtime';

export const CoordinatorConfig = defineConfig('coordinator', {
  CYCLE_INTERVAL_MS: Type.Integer({ default: 250, minimum: 10, description: 'Pause between work cycles when there is nothing to do' }),
  EVALUATION_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100, description: 'Deadline of one offer evaluation request' }),
  EVALUATION_BATCH_SIZE: Type.Integer({ default: 200, minimum: 1, maximum: 1000, description: 'Candidates sent to an evaluator in one request' }),
  EVALUATION_CONCURRENCY: Type.Integer({ default: 4, minimum: 1, description: 'Evaluation requests in flight at once (spread over the evaluators)' }),
  LAUNCH_CONCURRENCY: Type.Integer({ default: 16, minimum: 1, description: 'Placed candidates reported and launched at once' }),
  AGENT_TIMEOUT_MS: Type.Integer({ default: 15_000, minimum: 500, description: 'An agent silent this long is lost and its tasks TASK_LOST' }),
  API_HOSTNAME: Type.String({ default: '127.0.0.1', description: 'SCHEDULER_API_HOSTNAME given to tasks (where the gateway is)' }),
  API_PORT: Type.Integer({ default: 8080, minimum: 1, maximum: 65535, description: 'SCHEDULER_API_PORT given to tasks' }),
});
