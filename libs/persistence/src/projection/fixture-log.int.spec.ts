import { AGENT_LOST_V1_REASON, subjectsFor } from '@marshal/contracts';
import type { DataSource } from 'typeorm';
import { ReadModelQueries } from '../queries/read-model.queries';
import { createGeneration } from '../schema/generations';
import { dumpReadModels } from '../schema/dump';
import { openMigratedDatabase, readStoredLog, type MigratedDatabase } from '../testing/read-model-fixtures';
import { projectBatch } from './projector';

const subjects = subjectsFor('fixture');

describe('a stored log of version-1 events, replayed through the projection', () => {
  let db: MigratedDatabase;
  let ds: DataSource;
  const log = readStoredLog('v1-hello-world.log.jsonl');

  beforeAll(async () => {
    db = await openMigratedDatabase();
    ds = db.ds;
  });
  afterAll(() => db?.close());

  it('projects the install, the completed deploy plan and the lost agent with the reason v1 implied', async () => {
    expect(await projectBatch(ds, subjects, log)).toBe(19);
    const q = new ReadModelQueries(ds);
    expect(await q.services()).toEqual([
      expect.objectContaining({ name: 'hello-world', packageName: 'hello-world', deployStatus: 'COMPLETE', lastErrors: [] }),
    ]);
    expect(await q.planNames('hello-world')).toEqual(['deploy', 'recovery']);
    const deploy = await q.plan('hello-world', 'deploy');
    expect(deploy).toMatchObject({ status: 'COMPLETE', strategy: 'serial', errors: [] });
    expect(deploy?.phases[0].steps).toEqual([
      // startedAt: its first move off PENDING (seq 9); completedAt: its move to COMPLETE (seq 16).
      {
        id: expect.any(String),
        name: 'hello-0:[server]',
        status: 'COMPLETE',
        message: 'hello-0-server is TASK_RUNNING: command started',
        startedAt: '2026-11-22T05:00:07.019Z',
        completedAt: '2026-11-22T05:00:07.082Z',
      },
    ]);
    const [task] = await q.tasks('hello-world');
    expect(task).toMatchObject({ taskName: 'hello-0-server', agentId: 'agent-1', state: 'TASK_LOST', message: 'agent agent-1 stopped reporting' });
    const agents = await q.agents();
    expect(agents.map((a) => [a.agentId, a.lost, a.lostReason, a.reservations.length])).toEqual([
      ['agent-1', true, AGENT_LOST_V1_REASON, 1],
      ['agent-2', false, null, 0],
    ]);
    const stored: { type: string; version: number }[] = await ds.query(`SELECT type, version FROM events WHERE type = 'AgentLost'`);
    expect(stored).toEqual([{ type: 'AgentLost', version: 2 }]);
  });

  it('builds the same read models event by event as in one batch, row for row', async () => {
    const { generation } = await createGeneration(ds, 'test');
    for (const rec of log) await projectBatch(ds, subjects, [rec], { generation: generation.id });
    expect(await dumpReadModels(ds, generation.schema)).toEqual(await dumpReadModels(ds, 'read_models_1'));
  });
});
