import { makeEvent, subjectsFor, type EventData, type EventType, type MarshalEvent, type Recorded, type TaskInfo } from '@marshal/contracts';
import type { DataSource } from 'typeorm';
import { openMigratedDatabase, type MigratedDatabase } from '../testing/read-model-fixtures';
import { ReadModelQueries, type PlanJson } from '../queries/read-model.queries';
import { TimeTravel } from '../queries/time-travel';
import { createGeneration } from '../schema/generations';
import { dumpReadModels } from '../schema/dump';
import { projectBatch } from './projector';

/**
 * The plan engine's and batched placement's events (reference §1–§3, §5) through the row-change projections: one batch
 * and one event at a time build the same rows, and time travel shows every plan as the projector had it.
 */
const SVC = 'hello-world';
const subjects = subjectsFor('engine');
const plan = subjects.servicePlan(SVC);
const taskSubject = subjects.serviceTask(SVC, 'a1');

let seq = 0;
function rec<T extends EventType>(type: T, subject: string, data: EventData<T>, aggregate = `service:${SVC}`): Recorded<MarshalEvent> {
  seq += 1;
  const event = makeEvent(type, aggregate, data, { id: `e-${seq}`, at: new Date(Date.UTC(2026, 10, 22, 10, 0, seq)).toISOString(), correlationId: 'c', causationId: null, actor: 'test' });
  return { seq, subject, event: event as MarshalEvent };
}

const task = (name: string, id: string): TaskInfo => ({
  taskId: id, taskName: name, taskSpecName: 'server', service: SVC, podType: name.split('-')[0], podIndex: Number(name.split('-')[1]), configId: 'cfg-1',
  goal: 'RUNNING', essential: true, cmd: 'x', env: {}, resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [], configs: [],
  uris: [], rlimits: [], killGracePeriod: 0, labels: {},
});
const launched = (name: string, id: string) =>
  rec('TaskLaunched', taskSubject, { service: SVC, agentId: 'a1', hostname: 'h1', reservationId: 'r1', step: { plan: 'deploy', phaseId: 'ph-1', stepId: 'st-1', step: 's' }, task: task(name, id) });
const generated = (name: string, order: number, status: 'PENDING' | 'COMPLETE') =>
  rec('PlanGenerated', plan, {
    service: SVC, configId: 'cfg-1', order,
    model: { name, strategy: { type: 'parallel', interrupted: false }, phases: [], errors: [] },
    plan: { name, strategy: 'parallel', status, errors: [], phases: [] },
  });
const recoveryPhase = (id: string, pod: string) => ({
  added: { id, name: `${pod}:[server]`, strategy: { type: 'parallel' as const, interrupted: false }, steps: [{
    id: `${id}-s`, name: `${pod}:[server]`, kind: 'recovery' as const, status: 'PENDING' as const, interrupted: false,
    requirement: { podType: pod.split('-')[0], podIndex: Number(pod.split('-')[1]), tasks: ['server'], recoveryType: 'TRANSIENT' as const },
    errors: [], parameters: {}, launched: [], prepared: false,
  }] },
  tree: { id, name: `${pod}:[server]`, strategy: 'parallel', status: 'PENDING' as const, steps: [{
    id: `${id}-s`, name: `${pod}:[server]`, kind: 'recovery' as const, status: 'PENDING' as const, podType: pod.split('-')[0], podIndex: Number(pod.split('-')[1]),
    tasks: ['server'], recoveryType: 'TRANSIENT' as const, errors: [],
  }] },
});
const recoveryChanged = (removedPhases: string[], ...phases: ReturnType<typeof recoveryPhase>[]) =>
  rec('RecoveryPlanChanged', plan, { service: SVC, removedPhases, added: phases.map((p) => p.added), addedTree: phases.map((p) => p.tree) });
const stepTo = (stepId: string, from: 'PENDING' | 'PREPARED' | 'STARTING', to: 'PREPARED' | 'STARTING' | 'COMPLETE') =>
  rec('StepStatusChanged', plan, { service: SVC, plan: 'recovery', phaseId: stepId.replace(/-s$/, ''), phase: 'p', stepId, step: 's', from, to, reason: `${from} → ${to}`, launched: [], prepared: to !== 'STARTING', errors: [] });
const reservation = (reservationId: string, podIndex: number) => ({
  reservationId, service: SVC, podType: 'hello', podIndex, resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [],
});

const LOG: Recorded<MarshalEvent>[] = [
  rec('ConfigurationAccepted', subjects.serviceConfig(SVC), {
    service: SVC, configId: 'cfg-1', previousConfigId: null, spec: { name: SVC } as unknown as EventData<'ConfigurationAccepted'>['spec'], options: {},
    package: { name: 'p', version: '1', files: {} }, schedulerEnv: {}, warnings: [], diff: '', changedPods: [],
  }),
  generated('deploy', 0, 'PENDING'),
  generated('recovery', 1, 'COMPLETE'),
  rec('ResourcesReservedBatch', subjects.agent('a1'), { agentId: 'a1', reservations: [reservation('r1', 0), reservation('r2', 1)] }, 'agent:a1'),
  launched('hello-0-server', 't1'),
  launched('hello-1-server', 't2'),
  // Two recovery changes in a row: the second appends after the first one's phase.
  recoveryChanged([], recoveryPhase('rp-1', 'hello-0')),
  recoveryChanged([], recoveryPhase('rp-2', 'hello-1')),
  stepTo('rp-1-s', 'PENDING', 'PREPARED'),
  rec('PodPauseRequested', plan, { service: SVC, pod: 'hello-0', tasks: ['hello-0-server'] }),
  rec('GoalOverridesChanged', plan, { service: SVC, overrides: [{ taskName: 'hello-0-server', target: 'PAUSED', progress: 'COMPLETE' }], reason: 'paused' }),
  launched('hello-0-server', 't3'),
  stepTo('rp-1-s', 'PREPARED', 'STARTING'),
  stepTo('rp-1-s', 'STARTING', 'COMPLETE'),
  rec('TaskErased', taskSubject, { service: SVC, agentId: 'a1', taskId: 't2', taskName: 'hello-1-server' }),
  rec('PodResumeRequested', plan, { service: SVC, pod: 'hello-0', tasks: ['hello-0-server'] }),
  rec('GoalOverridesChanged', plan, { service: SVC, overrides: [{ taskName: 'hello-0-server', target: 'NONE', progress: 'COMPLETE' }], reason: 'resumed' }),
  recoveryChanged(['rp-1'], recoveryPhase('rp-3', 'hello-0')),
  rec('ResourcesReleased', subjects.agent('a1'), { agentId: 'a1', reservationId: 'r2', service: SVC, reason: 'gone' }, 'agent:a1'),
  rec('PlanRemoved', plan, { service: SVC, plan: 'deploy', reason: 'replaced' }),
];

describe('plan-engine and batched-placement events as row changes', () => {
  let db: MigratedDatabase;
  let ds: DataSource;
  const live = new Map<number, Record<string, PlanJson | undefined>>();

  beforeAll(async () => {
    db = await openMigratedDatabase();
    ds = db.ds;
    const q = new ReadModelQueries(ds);
    for (const r of LOG) {
      await projectBatch(ds, subjects, [r]);
      live.set(r.seq, { deploy: await q.plan(SVC, 'deploy'), recovery: await q.plan(SVC, 'recovery') });
    }
  });
  afterAll(() => db?.close());

  it('projects recovery phases in order, the task override kept over a relaunch, erasures, releases and a removed plan', async () => {
    const q = new ReadModelQueries(ds);
    expect(await q.planNames(SVC)).toEqual(['recovery']);
    const recovery = await q.plan(SVC, 'recovery');
    expect(recovery?.phases.map((p) => [p.id, p.steps.map((s) => s.id)])).toEqual([
      ['rp-2', ['rp-2-s']],
      ['rp-3', ['rp-3-s']],
    ]);
    const positions: { id: string; position: number }[] = await ds.query(`SELECT id, position FROM phases WHERE plan = 'recovery' ORDER BY position`);
    expect(positions).toEqual([
      { id: 'rp-2', position: 1 },
      { id: 'rp-3', position: 2 },
    ]);
    // Paused, relaunched, resumed: no override left.
    expect((await q.podTasks(SVC)).map((t) => [t.taskName, t.taskId, t.override])).toEqual([['hello-0-server', 't3', null]]);
    // Both reservations of the batch, less the one released.
    expect(await ds.query(`SELECT reservation_id, agent_id, pod_index FROM reservations`)).toEqual([{ reservation_id: 'r1', agent_id: 'a1', pod_index: 0 }]);
  });

  /** A new generation to build into (replacing one a previous test left building). */
  const freshGeneration = async (): Promise<{ id: number; schema: string }> => {
    for (const g of (await ds.query(`SELECT id, schema_name FROM read_model_generations WHERE state = 'building'`)) as { id: number; schema_name: string }[]) {
      await ds.query(`DROP SCHEMA ${g.schema_name} CASCADE`);
      await ds.query(`DELETE FROM read_model_generations WHERE id = $1`, [g.id]);
    }
    return (await createGeneration(ds, 'test')).generation;
  };

  it('keeps a relaunched task’s override while it is set', async () => {
    const q = new ReadModelQueries(ds);
    const generation = await freshGeneration();
    const upTo = LOG.findIndex((r) => r.event.type === 'PodResumeRequested');
    for (const r of LOG.slice(0, upTo)) await projectBatch(ds, subjects, [r], { generation: generation.id });
    const [row]: { task_id: string; override_target: string | null; override_progress: string | null }[] = await ds.query(
      `SELECT task_id, override_target, override_progress FROM ${generation.schema}.tasks WHERE task_name = 'hello-0-server'`,
    );
    expect(row).toEqual({ task_id: 't3', override_target: 'PAUSED', override_progress: 'COMPLETE' });
    expect((await q.podTasks(SVC)).map((t) => t.override)).toEqual([null]);
  });

  it('builds the same rows in one batch as one event at a time', async () => {
    const generation = await freshGeneration();
    expect(await projectBatch(ds, subjects, LOG, { generation: generation.id })).toBe(LOG.length);
    expect(await dumpReadModels(ds, generation.schema)).toEqual(await dumpReadModels(ds, 'read_models_1'));
  });

  it('shows every plan at every sequence exactly as the projector had it', async () => {
    const travel = new TimeTravel(ds);
    for (const r of LOG) {
      const then = { deploy: (await travel.plan(SVC, 'deploy', { seq: r.seq }))?.plan, recovery: (await travel.plan(SVC, 'recovery', { seq: r.seq }))?.plan };
      expect({ seq: r.seq, ...then }).toEqual({ seq: r.seq, ...live.get(r.seq) });
    }
  });

  it('a removed service leaves only its record behind: the service row marked removed and its final plans', async () => {
    const before = await dumpReadModels(ds, 'read_models_1');
    expect(before['services']).toHaveLength(1);
    await projectBatch(ds, subjects, [rec('ServiceRemoved', plan, { service: SVC })]);
    const dump = await dumpReadModels(ds, 'read_models_1');
    for (const table of ['configurations', 'tasks', 'reservations']) expect({ table, rows: dump[table] }).toEqual({ table, rows: [] });
    for (const table of ['plans', 'phases', 'steps']) expect({ table, rows: dump[table] }).toEqual({ table, rows: before[table] });
    expect(dump['services']).toHaveLength(1);
    const row = JSON.parse(dump['services'][0]) as { name: string; removed_at: string | null };
    expect(row.name).toBe(SVC);
    expect(row.removed_at).not.toBeNull();
    expect(await new ReadModelQueries(ds).services()).toEqual([]);
  });

  it('a reinstall under the removed name replaces the kept record: no old plan answers for the new service', async () => {
    await projectBatch(ds, subjects, [
      rec('ConfigurationAccepted', subjects.serviceConfig(SVC), {
        service: SVC, configId: 'cfg-9', previousConfigId: null, spec: { name: SVC } as unknown as EventData<'ConfigurationAccepted'>['spec'], options: {},
        package: { name: 'p', version: '1', files: {} }, schedulerEnv: {}, warnings: [], diff: '', changedPods: [],
      }),
    ]);
    const dump = await dumpReadModels(ds, 'read_models_1');
    for (const table of ['plans', 'phases', 'steps']) expect({ table, rows: dump[table] }).toEqual({ table, rows: [] });
    const q = new ReadModelQueries(ds);
    expect(await q.planNames(SVC)).toEqual([]);
    expect((await q.services()).map((x) => x.name)).toEqual([SVC]);
  });
});
