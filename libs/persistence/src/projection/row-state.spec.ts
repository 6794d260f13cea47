import { makeEvent, subjectsFor } from '@marshal/contracts';
import { AgentRow, EventRow, StepRow } from '../entities/read-models';
import { tableOf, type RowOf } from '../schema/tables';
import { auditRefs } from './audit';
import { RowChanges } from './row-changes';
import { RowState } from './row-state';

const step = (id: string, plan: string, status = 'PENDING'): RowOf<StepRow> => ({
  id, service: 's', plan, phaseId: 'ph', position: 0, name: id, status, message: '', errors: [], startedAt: null, completedAt: null,
});

function run(state: RowState, build: (c: RowChanges) => void): RowState {
  const c = new RowChanges();
  build(c);
  for (const op of c.ops) state.apply(op);
  return state;
}

describe('row changes folded into net writes', () => {
  const steps = tableOf(StepRow);

  it('writes one row per key however many events touched it, and nothing for rows that did not change', () => {
    const state = new RowState();
    state.seed(steps, [step('a', 'deploy'), step('b', 'deploy')]);
    run(state, (c) => {
      c.update(StepRow, { id: 'a' }, (s) => ({ ...s, status: 'STARTING' }));
      c.update(StepRow, { id: 'a' }, (s) => ({ ...s, status: 'COMPLETE' }));
      c.update(StepRow, { id: 'b' }, (s) => ({ ...s }));
      c.put(StepRow, step('c', 'deploy'));
      c.update(StepRow, { id: 'c' }, (s) => ({ ...s, message: 'launched' }));
    });
    expect(state.writes()).toEqual([
      { table: steps, upserts: [{ ...step('a', 'deploy'), status: 'COMPLETE' }, { ...step('c', 'deploy'), message: 'launched' }], inserts: [], deletes: [] },
    ]);
  });

  it('leaves absent rows absent on update, deletes by match, and keeps a stored row on insert', () => {
    const state = new RowState();
    state.seed(steps, [step('a', 'deploy'), step('r', 'recovery')]);
    state.markAbsent(steps, { id: 'gone' });
    run(state, (c) => {
      c.update(StepRow, { id: 'gone' }, (s) => ({ ...s, status: 'COMPLETE' }));
      c.put(StepRow, step('new', 'deploy'));
      c.deleteWhere(StepRow, { service: 's', plan: 'deploy' });
      c.insert(StepRow, step('r', 'other'));
    });
    expect(state.rows(StepRow).map((s) => [s.id, s.plan])).toEqual([['r', 'recovery']]);
    expect(state.writes()).toEqual([{ table: steps, upserts: [], inserts: [], deletes: [{ id: 'new' }, { id: 'a' }] }]);
  });

  it('folds from nothing when complete: what was never put does not exist', () => {
    const state = run(new RowState(true), (c) => {
      c.update(AgentRow, { agentId: 'x' }, (a) => ({ ...a, lost: true }));
      c.put(StepRow, step('a', 'deploy'));
      c.delete(StepRow, { id: 'a' });
    });
    expect(state.rows(AgentRow)).toEqual([]);
    expect(state.writes()).toEqual([]);
  });

  it('derives changes from a scope as it stands mid-batch (append after the last), and deletes by update', () => {
    const state = new RowState();
    state.seed(steps, [{ ...step('r1', 'recovery'), position: 0 }, { ...step('r2', 'recovery'), position: 1 }]);
    run(state, (c) => {
      c.delete(StepRow, { id: 'r2' });
      c.within(StepRow, { service: 's', plan: 'recovery' }, (rows, out) => {
        const next = Math.max(-1, ...rows.map((r) => r.position)) + 1;
        out.put(StepRow, { ...step('r3', 'recovery'), position: next });
        out.update(StepRow, { id: 'r1' }, (r) => ({ ...r, message: `${rows.length} before r3` }));
      });
      c.update(StepRow, { id: 'r1' }, (r) => (r.message === '1 before r3' ? undefined : r));
    });
    expect(state.rows(StepRow).map((r) => [r.id, r.position])).toEqual([['r3', 1]]);
    expect(() =>
      run(state, (c) => c.within(StepRow, { service: 's', plan: 'recovery' }, (_, out) => out.update(StepRow, { id: 'elsewhere' }, (r) => r))),
    ).toThrow(/may only read rows of its scope/);
  });

  it('refuses a projection that changes a key or leaves it out', () => {
    const state = new RowState(true);
    state.seed(steps, [step('a', 'deploy')]);
    expect(() => run(state, (c) => c.update(StepRow, { id: 'a' }, (s) => ({ ...s, id: 'b' })))).toThrow(/changed the key column id/);
    expect(() => new RowChanges().put(EventRow, { id: 'e' } as never)).toThrow(/events: the key needs seq; seq is missing/);
  });
});

describe('audit tags of an event', () => {
  const subjects = subjectsFor('t');
  const meta = { id: 'e', at: '2026-11-22T10:00:00.000Z', correlationId: 'c', causationId: null, actor: 'service:coordinator' };

  it('names service, agent, plan, phase, step, pod and tasks by the catalogue conventions', () => {
    const launched = makeEvent(
      'StepStatusChanged',
      'service:hello',
      {
        service: 'hello', plan: 'deploy', phaseId: 'ph1', phase: 'hello', stepId: 'st1', step: 'hello-0:[server]', from: 'PREPARED', to: 'STARTING',
        reason: 'launched', launched: [{ taskId: 'hello__t1', taskName: 'hello-0-server', status: 'STARTING' }], prepared: true, errors: [],
      },
      meta,
    );
    expect(auditRefs(subjects, subjects.servicePlan('hello'), launched).sort()).toEqual(
      [
        'type:StepStatusChanged', 'actor:service:coordinator', 'service:hello', 'plan:deploy', 'phase:ph1', 'phase:hello', 'step:st1',
        'step:hello-0:[server]', 'pod:hello-0', 'task:hello-0-server', 'task:hello__t1',
      ].sort(),
    );
    // Types the catalogue may gain: found by their fields, not by a list.
    const paused = { ...meta, type: 'PodPauseRequested', version: 1, aggregate: 'service:hello', data: { service: 'hello', pod: 'hello-0', tasks: ['hello-0-server'] } };
    expect(auditRefs(subjects, subjects.servicePlan('hello'), paused).sort()).toEqual([
      'actor:service:coordinator', 'pod:hello-0', 'service:hello', 'task:hello-0-server', 'type:PodPauseRequested',
    ]);
    const batch = { ...meta, type: 'ResourcesReservedBatch', version: 1, aggregate: 'agent:a1', data: { agentId: 'a1', reservations: [{ service: 'kafka', podType: 'broker', podIndex: 2 }] } };
    expect(auditRefs(subjects, subjects.agent('a1'), batch)).toEqual(expect.arrayContaining(['agent:a1', 'service:kafka', 'pod:broker-2']));
    const lost = makeEvent('AgentLost', 'agent:a1', { agentId: 'a1', lastSeen: meta.at, reason: 'silent' }, meta);
    expect(auditRefs(subjects, subjects.agent('a1'), lost).sort()).toEqual(['actor:service:coordinator', 'agent:a1', 'type:AgentLost']);
  });
});
