import { bySubject, candidate, context, given, SERVICE, subjects } from '../test/coordinator.fixtures';
import { killReplaced, killStep } from './kill.rules';

const kill = (taskId: string, taskName: string, reason: string, agentId = 'a1') => [
  subjects.serviceTask(SERVICE, agentId),
  'TaskKillRequested',
  { service: SERVICE, agentId, taskId, taskName, reason },
];

describe('kill phase before a relaunch (reference §2.6)', () => {
  it('given tasks the step replaces, when it is placed, then each is asked to stop on its agent, on the step’s chain', () => {
    const c = candidate({ tasksToKill: [{ taskId: 'old-1', taskName: 'hello-0-server', agentId: 'a1' }, { taskId: 'old-2', taskName: 'hello-0-side', agentId: 'a2' }] });
    const appends = killReplaced(given().fold, c, context());
    expect(bySubject(appends)).toEqual([
      kill('old-1', 'hello-0-server', 'relaunch by deploy/hello-0:[server]'),
      kill('old-2', 'hello-0-side', 'relaunch by deploy/hello-0:[server]', 'a2'),
    ]);
    expect(appends.map((a) => a.msgId)).toEqual(['step-1:kill:old-1', 'step-1:kill:old-2']);
    expect(appends.map((a) => [a.event.correlationId, a.event.causationId, a.event.at])).toEqual([
      ['cfg-change', 'ev-released', '2026-12-07T12:00:00.000Z'],
      ['cfg-change', 'ev-released', '2026-12-07T12:00:00.000Z'],
    ]);
  });

  it('skips the tasks of the step’s own launches that plan-manager has not recorded yet', () => {
    const g = given().launched('unreported', { stepId: 'step-1' });
    const c = candidate({ tasksToKill: [{ taskId: 'unreported', taskName: 'hello-0-server', agentId: 'a1' }, { taskId: 'old', taskName: 'hello-0-server', agentId: 'a1' }] });
    expect(bySubject(killReplaced(g.fold, c, context()))).toEqual([kill('old', 'hello-0-server', 'relaunch by deploy/hello-0:[server]')]);
  });

  it('decides nothing when the step replaces no task', () => {
    expect(killReplaced(given().fold, candidate(), context())).toEqual([]);
  });
});

describe('decommission and uninstall kills (reference §3.5)', () => {
  const decommission = candidate({ kind: 'kill', plan: 'decommission', step: 'kill-hello-0-server', target: 'hello-0-server' });

  it('given a live task of that name, then it is asked to stop and the step is done, the report about the kill', () => {
    const g = given().launched('t1').status('t1', 'TASK_RUNNING');
    const d = killStep(g.fold, decommission, context());
    expect(bySubject(d.appends)).toEqual([kill('t1', 'hello-0-server', 'decommission by decommission/kill-hello-0-server')]);
    expect(d.appends[0].msgId).toBe('step-1:kill:t1');
    expect(d.report).toEqual({ result: { kind: 'done', note: 'killed hello-0-server' }, about: d.appends[0].event.id });
  });

  it('kills the latest task of that name', () => {
    const g = given().launched('t1').status('t1', 'TASK_FAILED').launched('t2', { agentId: 'a2' });
    expect(bySubject(killStep(g.fold, decommission, context()).appends)).toEqual([
      kill('t2', 'hello-0-server', 'decommission by decommission/kill-hello-0-server', 'a2'),
    ]);
  });

  it('names the task by id in an uninstall step', () => {
    const g = given().launched('t1').launched('t2', { task: 'side' });
    const d = killStep(g.fold, candidate({ kind: 'kill', plan: 'deploy', step: 'kill-task-t2', target: 't2' }), context());
    expect(bySubject(d.appends)).toEqual([kill('t2', 'hello-0-side', 'decommission by deploy/kill-task-t2')]);
  });

  it.each([
    ['finished', 'TASK_FINISHED'],
    ['lost', 'TASK_LOST'],
  ] as const)('only when the task is live: a %s task is not asked again, and the step is done', (_name, state) => {
    const g = given().launched('t1').status('t1', state);
    expect(killStep(g.fold, decommission, context())).toEqual({ appends: [], report: { result: { kind: 'done', note: 'killed hello-0-server' } } });
  });

  it('a task never launched: the step is done, saying it was not running', () => {
    expect(killStep(given().launched('t1', { service: 'other' }).fold, decommission, context())).toEqual({
      appends: [],
      report: { result: { kind: 'done', note: 'hello-0-server was not running' } },
    });
  });
});
