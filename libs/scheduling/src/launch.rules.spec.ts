import { DEFAULT_SERVICE_TLD, DEFAULT_VIP_TLD, evaluate } from '@marshal/offer';
import type { Candidate, EventData, Proposal } from '@marshal/contracts';
import { candidate, context, given, helloPod, serviceSpec, SERVICE, subjects, type Given } from '../test/coordinator.fixtures';
import { launchSettings, launchTasks, taskIdFor } from './launch.rules';

const api = { hostname: 'api.marshal.local', port: 8080 };

function proposalFor(g: Given, c: Candidate): Proposal {
  const pod = helloPod(c.tasks);
  const { proposal } = evaluate({ candidate: c, pod, ledger: g.fold.ledger, servicePods: new Map([[pod.type, pod]]) });
  if (!proposal) throw new Error('the test agent should fit the pod');
  return proposal;
}

describe('task ids', () => {
  it.each([
    ['hello-world', 'hello-world__hello-0-server__u-1'],
    ['/folder/hello/', 'folder.hello__hello-0-server__u-1'],
    ['//a/b/c', 'a.b.c__hello-0-server__u-1'],
  ])('service %s: <sanitized service>__<task name>__<uuid>', (service, id) => {
    expect(taskIdFor(service, 'hello-0-server', () => 'u-1')).toBe(id);
  });
});

describe('launch settings (reference §4.11)', () => {
  it('take SERVICE_TLD and VIP_TLD from the scheduler env, else the defaults', () => {
    expect(launchSettings({}, api)).toEqual({ serviceTld: DEFAULT_SERVICE_TLD, vipTld: DEFAULT_VIP_TLD, apiHostname: 'api.marshal.local', apiPort: 8080 });
    expect(launchSettings({ SERVICE_TLD: 'svc.example', VIP_TLD: '' }, api)).toMatchObject({ serviceTld: 'svc.example', vipTld: DEFAULT_VIP_TLD });
  });
});

describe('launching a placed step', () => {
  const c = candidate({ tasks: ['server', 'side'], step: 'hello-0:[server, side]' });
  const config = { spec: serviceSpec(helloPod(['server', 'side'])), schedulerEnv: { PAUSE_OVERRIDE_CMD: 'sleep 3600' } };

  it('appends a TaskLaunched per task on the agent’s task subject, caused by the reservation', () => {
    const g = given().agent('a1');
    const proposal = proposalFor(g, c);
    const d = launchTasks(g.fold, { candidate: c, config, proposal, reservationId: 'r1', cause: 'ev-reserved', api }, context());
    expect(d.appends.map((a) => [a.subject, a.event.type])).toEqual([
      [subjects.serviceTask(SERVICE, 'a1'), 'TaskLaunched'],
      [subjects.serviceTask(SERVICE, 'a1'), 'TaskLaunched'],
    ]);
    const data = d.appends.map((a) => a.event.data as EventData<'TaskLaunched'>);
    expect(data.map((x) => [x.task.taskId, x.task.taskName, x.reservationId, x.step.stepId])).toEqual([
      ['hello-world__hello-0-server__id-1', 'hello-0-server', 'r1', 'step-1'],
      ['hello-world__hello-0-side__id-2', 'hello-0-side', 'r1', 'step-1'],
    ]);
    expect(data[0].task.env['FRAMEWORK_HOST']).toBe(`hello-world.${DEFAULT_SERVICE_TLD}`);
    expect(d.appends.map((a) => [a.event.correlationId, a.event.causationId])).toEqual([
      ['cfg-change', 'ev-reserved'],
      ['cfg-change', 'ev-reserved'],
    ]);
    expect(d.tasks).toEqual(data.map((x) => ({ taskId: x.task.taskId, taskName: x.task.taskName })));
    expect(d.lastEventId).toBe(d.appends[1].event.id);
  });

  it('paused tasks get the paused TaskInfo (reference §1.6.4), the others their own', () => {
    const g = given().agent('a1');
    const paused = { ...c, paused: ['side'] };
    const d = launchTasks(g.fold, { candidate: paused, config, proposal: proposalFor(g, paused), reservationId: 'r1', cause: 'ev', api }, context());
    const [server, side] = d.appends.map((a) => (a.event.data as EventData<'TaskLaunched'>).task);
    expect([server.cmd, server.readinessCheck?.cmd]).toEqual(['echo server', 'test -f ready']);
    expect([side.cmd, side.readinessCheck?.cmd]).toEqual(['sleep 3600', 'exit 1']);
  });

  it('keeps a task of the step launched on that agent and never reported, and launches only the rest', () => {
    const g = given().agent('a1').launched('earlier', { stepId: 'step-1' });
    const d = launchTasks(g.fold, { candidate: c, config, proposal: proposalFor(g, c), reservationId: 'r1', cause: 'ev', api }, context());
    expect(d.appends.map((a) => (a.event.data as EventData<'TaskLaunched'>).task.taskName)).toEqual(['hello-0-side']);
    expect(d.tasks).toEqual([
      { taskId: 'earlier', taskName: 'hello-0-server' },
      { taskId: (d.appends[0].event.data as EventData<'TaskLaunched'>).task.taskId, taskName: 'hello-0-side' },
    ]);
  });

  it('a pod type the configuration does not have launches nothing', () => {
    const g = given().agent('a1');
    const other = { spec: serviceSpec({ ...helloPod(), type: 'world' }), schedulerEnv: {} };
    expect(launchTasks(g.fold, { candidate: c, config: other, proposal: proposalFor(g, c), reservationId: 'r1', cause: 'ev', api }, context())).toEqual({ appends: [], tasks: [] });
  });
});
