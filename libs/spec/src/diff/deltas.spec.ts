import { makePod, makeSpec, makeTask } from '../../fixtures/fixtures';
import { changedSettings, computeDeltas, deltaSummary } from './deltas';

const ops = (ds: { podInstance: string; operation: string }[]) => ds.map((d) => `${d.podInstance}:${d.operation}`);

describe('computeDeltas (other-systems §1a.1 delta analysis)', () => {
  const three = makeSpec([makePod('a'), makePod('b'), makePod('c')]);

  it('an install creates every pod instance, with no before', () => {
    const ds = computeDeltas({ spec: null }, { spec: makeSpec([makePod('hello', { count: 2 })]), configId: 'c1' });
    expect(ops(ds)).toEqual(['hello-0:CREATE', 'hello-1:CREATE']);
    expect(ds[0]).toMatchObject({ before: null, beforeConfigId: null, afterConfigId: 'c1', tasks: [{ task: 'task', operation: 'CREATE', before: null }] });
    expect(ds[0].after).toMatchObject({ type: 'hello' });
  });

  it('an update of one of three pods is MODIFY, NOOP, NOOP, with the changed setting before and after', () => {
    const after = makeSpec([makePod('a', { tasks: [makeTask('task', { env: { GREETING: 'hi' } })] }), makePod('b'), makePod('c')]);
    const ds = computeDeltas({ spec: three, configId: 'old' }, { spec: after, configId: 'new' });
    expect(ops(ds)).toEqual(['a-0:MODIFY', 'b-0:NOOP', 'c-0:NOOP']);
    expect(ds[0].changes).toEqual([{ path: 'tasks.task.env.GREETING', after: 'hi' }]);
    expect(ds[0].tasks).toEqual([expect.objectContaining({ task: 'task', operation: 'MODIFY' })]);
    expect(ds[0].tasks[0].before).not.toBe(ds[0].tasks[0].after);
    expect(ds[1]).toMatchObject({ beforeConfigId: 'old', afterConfigId: 'new', changes: [], tasks: [{ operation: 'NOOP' }] });
    expect(deltaSummary(ds)).toEqual({ MODIFY: 1, NOOP: 2 });
  });

  it('a count change creates or destroys the instances past the smaller count; count alone modifies nothing (reference §3.8.2)', () => {
    const up = computeDeltas({ spec: makeSpec([makePod('a', { count: 1 })]) }, { spec: makeSpec([makePod('a', { count: 3 })]) });
    expect(ops(up)).toEqual(['a-0:NOOP', 'a-1:CREATE', 'a-2:CREATE']);
    const down = computeDeltas({ spec: makeSpec([makePod('a', { count: 2 })]) }, { spec: makeSpec([makePod('a', { count: 1 })]) });
    expect(ops(down)).toEqual(['a-0:NOOP', 'a-1:DESTROY']);
    expect(down[1]).toMatchObject({ after: null, afterConfigId: null, tasks: [{ operation: 'DESTROY', after: null }] });
  });

  it('a removed pod type is destroyed, listed after the pod types of the new target; an uninstall destroys all', () => {
    expect(ops(computeDeltas({ spec: three }, { spec: makeSpec([makePod('c'), makePod('a')]) }))).toEqual(['c-0:NOOP', 'a-0:NOOP', 'b-0:DESTROY']);
    expect(ops(computeDeltas({ spec: three }, { spec: null }))).toEqual(['a-0:DESTROY', 'b-0:DESTROY', 'c-0:DESTROY']);
  });

  it('a task added to a pod modifies the pod and creates the task; the untouched task is NOOP', () => {
    const ds = computeDeltas({ spec: makeSpec([makePod('a')]) }, { spec: makeSpec([makePod('a', { taskNames: ['task', 'sidecar'] })]) });
    expect(ops(ds)).toEqual(['a-0:MODIFY']);
    expect(ds[0].tasks.map((t) => `${t.task}:${t.operation}`)).toEqual(['task:NOOP', 'sidecar:CREATE']);
  });

  it('placement changes alone are NOOP (an existing instance does not relaunch for them)', () => {
    const ds = computeDeltas({ spec: makeSpec([makePod('a')]) }, { spec: makeSpec([makePod('a', { placement: '[["hostname", "UNIQUE"]]' })]) });
    expect(ops(ds)).toEqual(['a-0:NOOP']);
  });
});

describe('changedSettings', () => {
  it('names array elements by name and reports removed and added keys', () => {
    expect(changedSettings({ tasks: [{ name: 'x', cpus: 1 }], k: 1 }, { tasks: [{ name: 'x', cpus: 2 }], j: 2 })).toEqual([
      { path: 'tasks.x.cpus', before: 1, after: 2 },
      { path: 'k', before: 1 },
      { path: 'j', after: 2 },
    ]);
  });
});
