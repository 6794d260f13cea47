import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { makeEvent, subjectsFor, type MarshalEvent } from '@marshal/contracts';
import { EventStore, connectNats } from '@marshal/messaging';
import { eventually, startNatsServer, type NatsServerHandle } from '@marshal/testing';
import { FileSpoolStorage, StatusSpool, isPermanentAppendError, type SpoolEntry } from './status-spool';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const metrics = { dropped: () => undefined, rejected: () => undefined, storageFailed: () => undefined, pending: () => undefined };

/** Task statuses through a real nats-server that goes away and comes back. */
describe('StatusSpool over NATS', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let store: EventStore;
  let dir: string;
  const subjects = subjectsFor(`spool-${Date.now().toString(36)}`);

  const status = (n: number): SpoolEntry => ({
    subject: subjects.serviceTask('s', 'a1'),
    event: makeEvent(
      'TaskStatusUpdated',
      'service:s',
      { service: 's', agentId: 'a1', taskId: `t${n}`, taskName: 'hello-0-server', state: 'TASK_RUNNING', message: `status ${n}` },
      { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, at: '2026-12-07T00:00:00.000Z', correlationId: 'c', causationId: null, actor: 'agent:a1' },
    ) as MarshalEvent,
  });

  const spoolOn = (path: string) =>
    new StatusSpool({ storage: new FileSpoolStorage(path), send: (e) => store.append(e.subject, e.event), isPermanent: isPermanentAppendError, maxBytes: 1_000_000, log: silent, metrics, minRetryMs: 50, maxRetryMs: 200 });

  const taskIdsInLog = async (): Promise<string[]> =>
    (await store.readAll(subjects.serviceTask('s', 'a1'))).map((r) => (r.event.type === 'TaskStatusUpdated' ? r.event.data.taskId : '?'));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'marshal-spool-nats-'));
    nats = await startNatsServer();
    nc = await connectNats({ servers: [nats.url], name: 'spool-test', reconnectTimeWaitMs: 100 });
    store = await EventStore.open(nc, subjects);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the statuses of an outage, and of an agent restarted during it, and appends them in order once NATS is back', async () => {
    const path = join(dir, 'spool.jsonl');
    const first = spoolOn(path);
    await first.open();
    first.add(status(1));
    await eventually(async () => expect(await taskIdsInLog()).toEqual(['t1']));

    await nats.kill();
    for (let n = 2; n <= 6; n++) first.add(status(n));
    // The agent stops while NATS is away: what was not sent waits on disk.
    await first.stop(100);
    const second = spoolOn(path);
    expect(await second.open()).toBe(5);
    for (let n = 7; n <= 9; n++) second.add(status(n));

    await nats.start();
    await eventually(async () => expect(await taskIdsInLog()).toEqual(['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9']), { timeoutMs: 90_000 });
    await second.flushed();
  }, 120_000);
});
