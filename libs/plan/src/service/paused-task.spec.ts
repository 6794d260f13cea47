import type { TaskInfo } from '@marshal/contracts';
import { pausedTaskInfo } from './paused-task';
import { DEFAULT_PAUSE_OVERRIDE_CMD } from './service-settings';

const task: TaskInfo = {
  taskId: 't', taskName: 'hello-0-server', taskSpecName: 'server', service: 's', podType: 'hello', podIndex: 0, configId: 'c', goal: 'RUNNING', essential: true,
  cmd: './server', env: { A: '1' }, resources: { cpus: 1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [], configs: [], uris: [], rlimits: [],
  healthCheck: { cmd: 'check', interval: 5, gracePeriod: 30, maxConsecutiveFailures: 3, delay: 0, timeout: 10 },
  readinessCheck: { cmd: 'ready', interval: 5, timeout: 10, delay: 0 }, killGracePeriod: 0, labels: {},
};

describe('a paused task (reference §1.6.4)', () => {
  it('runs the pause command, without health check, with a readiness check that never passes', () => {
    const paused = pausedTaskInfo(task, {});
    expect(paused.cmd).toBe(DEFAULT_PAUSE_OVERRIDE_CMD);
    expect(paused.cmd).toContain('./bootstrap --resolve=false');
    expect(paused.healthCheck).toBeUndefined();
    expect(paused.readinessCheck).toEqual({ cmd: 'exit 1', interval: 5, timeout: 5, delay: 0 });
    expect(paused.env).toEqual({ A: '1' });
  });

  it('takes PAUSE_OVERRIDE_CMD from the scheduler environment', () => {
    expect(pausedTaskInfo(task, { PAUSE_OVERRIDE_CMD: 'sleep infinity' }).cmd).toBe('sleep infinity');
  });
});
