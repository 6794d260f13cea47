import type { TaskInfo } from '@marshal/contracts';
import { DEFAULT_PAUSE_OVERRIDE_CMD } from './service-settings';

/**
 * The TaskInfo of a paused task (reference §1.6.4): its command replaced by the pause command (the scheduler env's
 * `PAUSE_OVERRIDE_CMD`, else the original's default), no health check, and a readiness check that never passes
 * (`exit 1` every 5 s), so the task idles without ever completing its step.
 */
export function pausedTaskInfo(task: TaskInfo, schedulerEnv: Record<string, string>): TaskInfo {
  const { healthCheck: _health, ...rest } = task;
  const cmd = schedulerEnv['PAUSE_OVERRIDE_CMD']?.trim() ? schedulerEnv['PAUSE_OVERRIDE_CMD'] : DEFAULT_PAUSE_OVERRIDE_CMD;
  return { ...rest, cmd, readinessCheck: { cmd: 'exit 1', interval: 5, timeout: 5, delay: 0 } };
}
