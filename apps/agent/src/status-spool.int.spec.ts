import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventValidationError, makeEvent, type MarshalEvent } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import { FileSpoolStorage, MemorySpoolStorage, StatusSpool, type SpoolEntry, type SpoolStorage } from './status-spool';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function status(n: number, message = 'm'): SpoolEntry {
  const event = makeEvent(
    'TaskStatusUpdated',
    'service:s',
    { service: 's', agentId: 'a1', taskId: `t${n}`, taskName: 'hello-0-server', state: 'TASK_RUNNING', message },
    { id: `e${n}`, at: '2026-12-07T00:00:00.000Z', correlationId: 'c', causationId: null, actor: 'agent:a1' },
  ) as MarshalEvent;
  return { subject: 'marshal.evt.svc.s.task.a1', event };
}

/** A log that can be taken away and brought back, like NATS in an outage. */
class FlakyLog {
  up = true;
  readonly appended: string[] = [];
  readonly refuse = new Set<string>();
  send = async (e: SpoolEntry): Promise<void> => {
    if (this.refuse.has(e.event.id)) throw new EventValidationError('invalid event', []);
    if (!this.up) throw new Error('TIMEOUT: no connection');
    this.appended.push(e.event.id);
  };
}

function counters() {
  const c = { dropped: 0, rejected: 0, storageFailed: 0, entries: 0, bytes: 0 };
  return {
    c,
    metrics: {
      dropped: () => void c.dropped++,
      rejected: () => void c.rejected++,
      storageFailed: () => void c.storageFailed++,
      pending: (e: number, b: number) => {
        c.entries = e;
        c.bytes = b;
      },
    },
  };
}

function spoolOf(storage: SpoolStorage, log: FlakyLog, maxBytes = 1_000_000) {
  const { c, metrics } = counters();
  const spool = new StatusSpool({
    storage,
    send: log.send,
    isPermanent: (e) => e instanceof EventValidationError,
    maxBytes,
    log: silent,
    metrics,
    minRetryMs: 5,
    maxRetryMs: 20,
  });
  return { spool, c };
}

describe('StatusSpool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'marshal-spool-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps statuses through an outage of any length and sends them in order when the log is back', async () => {
    const log = new FlakyLog();
    const { spool, c } = spoolOf(new FileSpoolStorage(join(dir, 'spool')), log);
    await spool.open();
    spool.add(status(1));
    await spool.flushed();
    log.up = false;
    for (let i = 2; i <= 50; i++) spool.add(status(i));
    await new Promise((r) => setTimeout(r, 300));
    expect(log.appended).toEqual(['e1']);
    expect(c.entries).toBe(49);
    log.up = true;
    await eventually(() => expect(log.appended).toHaveLength(50));
    expect(log.appended).toEqual(Array.from({ length: 50 }, (_, i) => `e${i + 1}`));
    await spool.flushed();
    expect(c.entries).toBe(0);
    expect(c.bytes).toBe(0);
  });

  it('sends, after a restart, what a previous run could not, before anything new', async () => {
    const path = join(dir, 'spool');
    const down = new FlakyLog();
    down.up = false;
    const first = spoolOf(new FileSpoolStorage(path), down);
    await first.spool.open();
    for (let i = 1; i <= 3; i++) first.spool.add(status(i));
    await first.spool.stop(50);

    const log = new FlakyLog();
    const second = spoolOf(new FileSpoolStorage(path), log);
    expect(await second.spool.open()).toBe(3);
    second.spool.add(status(4));
    await eventually(() => expect(log.appended).toEqual(['e1', 'e2', 'e3', 'e4']));
    await second.spool.flushed();
    // Nothing is sent twice by a third run.
    const third = spoolOf(new FileSpoolStorage(path), new FlakyLog());
    expect(await third.spool.open()).toBe(0);
    expect(await readFile(path, 'utf8')).toBe('');
  });

  it('ignores a half-written last line (the machine stopped mid-write)', async () => {
    const path = join(dir, 'spool');
    const down = new FlakyLog();
    down.up = false;
    const first = spoolOf(new FileSpoolStorage(path), down);
    await first.spool.open();
    first.spool.add(status(1));
    await first.spool.stop(20);
    const { appendFile } = await import('node:fs/promises');
    await appendFile(path, '{"entry":{"subj');
    expect((await new FileSpoolStorage(path).load()).map((e) => e.event.id)).toEqual(['e1']);
  });

  it('drops statuses past its bound, saying and counting it, and takes them again once there is room', async () => {
    const log = new FlakyLog();
    log.up = false;
    const one = Buffer.byteLength(JSON.stringify(status(1).event));
    const { spool, c } = spoolOf(new MemorySpoolStorage(), log, one * 3);
    await spool.open();
    for (let i = 1; i <= 5; i++) spool.add(status(i));
    expect(c.dropped).toBe(2);
    expect(spool.pendingCount).toBe(3);
    log.up = true;
    await eventually(() => expect(log.appended).toEqual(['e1', 'e2', 'e3']));
    await spool.flushed();
    spool.add(status(6));
    await eventually(() => expect(log.appended).toEqual(['e1', 'e2', 'e3', 'e6']));
  });

  it('drops a status the log refuses for good, counted, and goes on with the next', async () => {
    const log = new FlakyLog();
    log.refuse.add('e2');
    const { spool, c } = spoolOf(new MemorySpoolStorage(), log);
    await spool.open();
    for (let i = 1; i <= 3; i++) spool.add(status(i));
    await eventually(() => expect(log.appended).toEqual(['e1', 'e3']));
    expect(c.rejected).toBe(1);
  });

  it('still sends when the journal cannot be written, and counts the failure', async () => {
    const log = new FlakyLog();
    const { spool, c } = spoolOf(new FileSpoolStorage(join(dir, 'no-such-dir', 'spool')), log);
    await spool.open();
    spool.add(status(1));
    await eventually(() => expect(log.appended).toEqual(['e1']));
    expect(c.storageFailed).toBeGreaterThan(0);
  });
});
