import { makeEvent, subjectsFor, type EventData, type EventType, type MarshalEvent, type Recorded } from '@marshal/contracts';
import { createTestDatabase } from '@marshal/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { openMigratedDatabase, type MigratedDatabase } from './testing/read-model-fixtures';
import { projectBatch, readCheckpoint } from './projection/projector';
import { ReadModelQueries } from './queries/read-model.queries';

const subjects = subjectsFor('persist');
let seq = 0;
function rec<T extends EventType>(type: T, subject: string, data: EventData<T>, aggregate = 'service:hello-world'): Recorded<MarshalEvent> {
  seq += 1;
  const id = `e-${seq}`;
  const event = makeEvent(type, aggregate, data, { id, at: new Date(Date.UTC(2026, 10, 22, 10, 0, seq)).toISOString(), correlationId: 'c', causationId: null, actor: 'test' });
  return { seq, subject, event: event as MarshalEvent };
}

const planGenerated = (): Recorded<MarshalEvent> =>
  rec('PlanGenerated', subjects.servicePlan('hello-world'), {
    service: 'hello-world',
    configId: 'cfg-1',
    order: 0,
    model: {
      name: 'deploy',
      strategy: { type: 'serial', interrupted: false, chain: ['ph-1'] },
      errors: [],
      phases: [
        {
          id: 'ph-1',
          name: 'hello',
          strategy: { type: 'serial', interrupted: false, chain: ['st-1'] },
          steps: [
            {
              id: 'st-1', name: 'hello-0:[server]', kind: 'deployment', status: 'PENDING', interrupted: false,
              requirement: { podType: 'hello', podIndex: 0, tasks: ['server'], recoveryType: 'NONE' },
              errors: [], parameters: {}, launched: [], prepared: false,
            },
          ],
        },
      ],
    },
    plan: {
      name: 'deploy',
      strategy: 'serial',
      status: 'PENDING',
      errors: [],
      phases: [
        {
          id: 'ph-1',
          name: 'hello',
          strategy: 'serial',
          status: 'PENDING',
          steps: [{ id: 'st-1', name: 'hello-0:[server]', kind: 'deployment', status: 'PENDING', podType: 'hello', podIndex: 0, tasks: ['server'], errors: [] }],
        },
      ],
    },
  });

describe('read models in PostgreSQL', () => {
  let db: MigratedDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await openMigratedDatabase();
    ds = db.ds;
  });
  afterAll(() => db?.close());

  it('has a migration that builds exactly the schema the entities describe', async () => {
    const other = await createTestDatabase();
    const synced = createDataSource({ url: other.url, synchronizeForTests: true });
    await synced.initialize();
    const columns = (d: DataSource, schema: string): Promise<unknown[]> =>
      d.query(
        `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, collation_name FROM information_schema.columns
          WHERE table_schema = $1 AND table_name <> 'read_model_migrations' ORDER BY table_name, column_name`,
        [schema],
      );
    try {
      const migrated = await columns(ds, 'read_models_1');
      expect(migrated.length).toBeGreaterThan(50);
      expect(migrated).toEqual(await columns(synced, 'public'));
    } finally {
      await synced.destroy();
      await other.drop();
    }
  });

  it('projects a plan and its step transitions into the JSON of GET /v1/plans/{plan}', async () => {
    const events = [
      planGenerated(),
      rec('StepStatusChanged', subjects.servicePlan('hello-world'), {
        service: 'hello-world', plan: 'deploy', phaseId: 'ph-1', phase: 'hello', stepId: 'st-1', step: 'hello-0:[server]',
        from: 'PENDING', to: 'STARTING', reason: 'launched hello-0-server',
        launched: [{ taskId: 't1', taskName: 'hello-0-server', status: 'STARTING' }], prepared: true, errors: [],
      }),
      rec('PlanStatusChanged', subjects.servicePlan('hello-world'), {
        service: 'hello-world', plan: 'deploy', status: 'STARTING', errors: [], phases: [{ id: 'ph-1', status: 'STARTING' }], steps: [{ id: 'st-1', status: 'STARTING' }],
      }),
    ];
    expect(await projectBatch(ds, subjects, events)).toBe(events[2].seq);
    const q = new ReadModelQueries(ds);
    expect(await q.planNames('hello-world')).toEqual(['deploy']);
    const at = (e: Recorded<MarshalEvent>) => e.event.at;
    expect(await q.plan('hello-world', 'deploy')).toEqual({
      phases: [
        {
          id: 'ph-1',
          name: 'hello',
          steps: [{ id: 'st-1', status: 'STARTING', name: 'hello-0:[server]', message: 'launched hello-0-server', startedAt: at(events[1]), completedAt: null }],
          strategy: 'serial',
          status: 'STARTING',
          startedAt: at(events[2]),
          completedAt: null,
        },
      ],
      errors: [],
      status: 'STARTING',
      strategy: 'serial',
    });
    expect(await q.plan('hello-world', 'nope')).toBeUndefined();
  });

  it('projects recovery phases, overrides, erased tasks, removed plans and a removed service', async () => {
    const q = new ReadModelQueries(ds);
    const plan = subjects.servicePlan('hello-world');
    const task = (name: string, id: string) => ({
      taskId: id, taskName: name, taskSpecName: 'server', service: 'hello-world', podType: name.split('-')[0], podIndex: Number(name.split('-')[1]), configId: 'cfg-1',
      goal: 'RUNNING' as const, essential: true, cmd: 'x', env: {}, resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [], configs: [],
      uris: [], rlimits: [], killGracePeriod: 0, labels: {},
    });
    const launched = (name: string, id: string) =>
      rec('TaskLaunched', subjects.serviceTask('hello-world', 'a1'), {
        service: 'hello-world', agentId: 'a1', hostname: 'h1', reservationId: 'r1', step: { plan: 'deploy', phaseId: 'ph-1', stepId: 'st-1', step: 's' }, task: task(name, id),
      });
    const recoveryStep = { id: 'rs-1', name: 'hello-0:[server]', kind: 'recovery' as const, status: 'PENDING' as const, interrupted: false,
      requirement: { podType: 'hello', podIndex: 0, tasks: ['server'], recoveryType: 'TRANSIENT' as const }, errors: [], parameters: {}, launched: [], prepared: false };
    await projectBatch(ds, subjects, [
      rec('PlanGenerated', plan, {
        service: 'hello-world', configId: 'cfg-1', order: 1,
        model: { name: 'recovery', strategy: { type: 'parallel', interrupted: false }, phases: [], errors: [] },
        plan: { name: 'recovery', strategy: 'parallel', status: 'COMPLETE', errors: [], phases: [] },
      }),
      launched('hello-0-server', 't1'),
      launched('hello-1-server', 't2'),
      rec('RecoveryPlanChanged', plan, {
        service: 'hello-world', removedPhases: [],
        added: [{ id: 'rp-1', name: 'hello-0:[server]', strategy: { type: 'parallel', interrupted: false }, steps: [recoveryStep] }],
        addedTree: [{ id: 'rp-1', name: 'hello-0:[server]', strategy: 'parallel', status: 'PENDING',
          steps: [{ id: 'rs-1', name: 'hello-0:[server]', kind: 'recovery', status: 'PENDING', podType: 'hello', podIndex: 0, tasks: ['server'], recoveryType: 'TRANSIENT', errors: [] }] }],
      }),
      rec('PodPauseRequested', plan, { service: 'hello-world', pod: 'hello-0', tasks: ['hello-0-server'] }),
      rec('GoalOverridesChanged', plan, { service: 'hello-world', overrides: [{ taskName: 'hello-0-server', target: 'PAUSED', progress: 'COMPLETE' }], reason: 'r' }),
      // A relaunch keeps the task name's override.
      launched('hello-0-server', 't3'),
      rec('TaskErased', subjects.serviceTask('hello-world', 'a1'), { service: 'hello-world', agentId: 'a1', taskId: 't2', taskName: 'hello-1-server' }),
    ]);
    expect((await q.plan('hello-world', 'recovery'))?.phases.map((p) => [p.name, p.status, p.steps.map((s) => s.name)])).toEqual([['hello-0:[server]', 'PENDING', ['hello-0:[server]']]]);
    expect((await q.podTasks('hello-world')).map((t) => [t.taskName, t.taskId, t.override])).toEqual([['hello-0-server', 't3', { target: 'PAUSED', progress: 'COMPLETE' }]]);

    await projectBatch(ds, subjects, [
      rec('GoalOverridesChanged', plan, { service: 'hello-world', overrides: [{ taskName: 'hello-0-server', target: 'NONE', progress: 'COMPLETE' }], reason: 'r' }),
      rec('RecoveryPlanChanged', plan, { service: 'hello-world', removedPhases: ['rp-1'], added: [], addedTree: [] }),
      rec('PlanRemoved', plan, { service: 'hello-world', plan: 'deploy', reason: 'gone' }),
    ]);
    expect((await q.podTasks('hello-world')).map((t) => t.override)).toEqual([null]);
    expect((await q.plan('hello-world', 'recovery'))?.phases).toEqual([]);
    expect(await q.planNames('hello-world')).toEqual(['recovery']);

    await projectBatch(ds, subjects, [rec('ServiceRemoved', plan, { service: 'hello-world' })]);
    // The finished service keeps its final plans (reference §3.6), read-only; its tasks are gone and it is no longer listed.
    expect(await q.planNames('hello-world')).toEqual(['recovery']);
    expect(await q.podTasks('hello-world')).toEqual([]);
    expect((await q.services()).map((s) => s.name)).not.toContain('hello-world');
  });

  it('applies each event once: a replayed batch changes nothing and the checkpoint does not move back', async () => {
    const before = await readCheckpoint(ds);
    const count = async (): Promise<number> => Number((await ds.query(`SELECT count(*) AS n FROM events`))[0].n);
    expect(await count()).toBeGreaterThan(0);
    const n = await count();
    const again = [planGenerated()];
    again[0] = { ...again[0], seq: 1 };
    expect(await projectBatch(ds, subjects, again)).toBe(before);
    expect(await count()).toBe(n);
  });

  it('rolls back the read-model change and the checkpoint together when an event fails', async () => {
    const before = await readCheckpoint(ds);
    const good = rec('AgentRegistered', subjects.agent('a1'), {
      agentId: 'a1', hostname: 'h1', attributes: { zone: 'z1' }, zone: 'z1', resources: { cpus: 2, memory: 1024, disk: 1000, gpus: 0, ports: [{ begin: 10000, end: 10100 }], mounts: [] },
    }, 'agent:a1');
    const bad = rec('AgentRegistered', subjects.agent('a2'), { agentId: 'a2' } as never, 'agent:a2');
    await expect(projectBatch(ds, subjects, [good, bad])).rejects.toThrow();
    expect(await readCheckpoint(ds)).toBe(before);
    expect(await new ReadModelQueries(ds).agents()).toEqual([]);
    await projectBatch(ds, subjects, [good]);
    expect((await new ReadModelQueries(ds).agents()).map((a) => a.hostname)).toEqual(['h1']);
  });
});
