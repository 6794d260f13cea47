import { randomUUID } from 'node:crypto';
import { minimalTaskInfo, type TaskInfo } from '@marshal/contracts';

/** Test support for the agent's tests (not used by the agent itself). */

/** A well-formed TaskInfo of pod `hello`, task `server` (`hello-0-server` unless named), with a fresh task id. */
export function taskInfo(overrides: Partial<TaskInfo> = {}): TaskInfo {
  const taskName = overrides.taskName ?? 'hello-0-server';
  return minimalTaskInfo({
    taskId: `svc__${taskName}__${randomUUID()}`,
    taskName,
    taskSpecName: 'server',
    service: 'svc',
    podType: 'hello',
    podIndex: 0,
    configId: 'cfg-1',
    cmd: 'true',
    env: { TASK_NAME: taskName },
    ...overrides,
  });
}
