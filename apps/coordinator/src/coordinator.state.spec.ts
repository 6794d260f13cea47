import { makeEvent, serviceAggregate, subjectsFor, type MarshalEvent, type TaskInfo } from '@marshal/contracts';
import { CoordinatorState } from './coordinator.state';

const task: TaskInfo = {
  taskId: 't1', taskName: 'hello-0-server', taskSpecName: 'server', service: 's', podType: 'hello', podIndex: 0, configId: 'c1', goal: 'RUNNING', essential: true,
  cmd: 'sleep 1', env: {}, resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [], configs: [], uris: [], rlimits: [],
  killGracePeriod: 0, labels: {},
};
const launched = (seq: number) => ({
  seq,
  subject: 'marshal.evt.svc.s.task.a1',
  event: makeEvent(
    'TaskLaunched',
    serviceAggregate('s'),
    { service: 's', agentId: 'a1', hostname: 'a1', reservationId: 'r', step: { plan: 'deploy', phaseId: 'ph', stepId: 'st', step: 'hello-0:[server]' }, task },
    { id: `e${seq}`, at: '2026-11-22T00:00:00.000Z', correlationId: 'c', causationId: null, actor: 't' },
  ) as MarshalEvent,
});

describe('the coordinator state', () => {
  it('waits for its fold to reach a sequence, and says when it did not', async () => {
    const s = new CoordinatorState(subjectsFor());
    const reached = s.reach(1, 1_000);
    s.apply(launched(1));
    await expect(reached).resolves.toBe(true);
    await expect(s.reach(5, 10)).resolves.toBe(false);
  });
});
