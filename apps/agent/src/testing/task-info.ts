import { randomUUID } from 'node:crypto';
import type { TaskInfo } from '@marshal/contracts';

/** Test support for the agent's tests (not used by the agent itself). */

/** A well-formed TaskInfo of pod `hello`, task `server` (`hello-0-server` unless named), with a fresh task id. */
export function taskInfo(overrides: Partial<TaskInfo> = {}): TaskInfo {
  const taskName = overrides.taskName ?? 'hello-0-server';
  return {
    taskId: `svc__${taskName}__${randomUUID()}`,
    taskName,
    taskSpecName: 'server',
    service: 'svc',
    podType: 'hello',
    podIndex: 0,
    configId: 'cfg-1',
    goal: 'RUNNING',
    essential: true,
    cmd: 'true',
    env: { TASK_NAME: taskName },
    resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 },
    ports: [],
    volumes: [],
    configs: [],
    uris: [],
    rlimits: [],
    killGracePeriod: 0,
    labels: {},
    ...overrides,
  };
}
