import { open, readFile, rename } from 'node:fs/promises';
import type { MarshalEvent } from '@marshal/contracts';
import { isErrno } from './runner/unexpected';

/** One status waiting to be appended to the log. */
export interface SpoolEntry {
  subject: string;
  event: MarshalEvent;
}

/** Where spooled statuses outlive the agent: a file for a real agent, nothing for simulated ones. */
export interface SpoolStorage {
  /** The entries written and not yet acknowledged, in order. */
  load(): Promise<SpoolEntry[]>;
  add(entry: SpoolEntry): Promise<void>;
  /** The entry with this event id was appended to the log. */
  ack(eventId: string): Promise<void>;
  /** Nothing is pending: the storage may start afresh. */
  clear(): Promise<void>;
}

/** Simulated agents: nothing outlives the process. */
export class MemorySpoolStorage implements SpoolStorage {
  async load(): Promise<SpoolEntry[]> {
    return [];
  }
  async add(): Promise<void> {
    // kept in the spool's queue only
  }
  async ack(): Promise<void> {
    // kept in the spool's queue only
  }
  async clear(): Promise<void> {
    // kept in the spool's queue only
  }
}

/**
 * A JSON-lines journal: `{"entry":…}` when a status is spooled, `{"ack":"<event id>"}` once it is in the log, and
 * emptied (a fresh file renamed over it) whenever nothing is pending. Every line is synced before the status counts as
 * spooled, so a status survives the agent and the machine stopping.
 */
export class FileSpoolStorage implements SpoolStorage {
  constructor(private readonly path: string) {}

  async load(): Promise<SpoolEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return [];
      throw e;
    }
    const entries: SpoolEntry[] = [];
    const acked = new Set<string>();
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (line === '') continue;
      let parsed: { entry?: SpoolEntry; ack?: string };
      try {
        parsed = JSON.parse(line) as { entry?: SpoolEntry; ack?: string };
      } catch (e) {
        // The last line may be half written (the machine stopped mid-write): it never counted as spooled.
        if (i >= lines.length - 2) break;
        throw new Error(`${this.path}:${i + 1}: not a spool line: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (parsed.entry) entries.push(parsed.entry);
      else if (typeof parsed.ack === 'string') acked.add(parsed.ack);
    }
    return entries.filter((e) => !acked.has(e.event.id));
  }

  add(entry: SpoolEntry): Promise<void> {
    return this.write(`${JSON.stringify({ entry })}\n`);
  }

  ack(eventId: string): Promise<void> {
    return this.write(`${JSON.stringify({ ack: eventId })}\n`);
  }

  async clear(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
  }

  private async write(line: string): Promise<void> {
    const fh = await open(this.path, 'a', 0o600);
    try {
      await fh.writeFile(line);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}

export interface SpoolLog {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

export interface SpoolMetrics {
  /** Statuses refused because the spool was full. */
  dropped(): void;
  /** Statuses the log refused for good (never valid: retrying cannot help). */
  rejected(): void;
  /** A journal write failed (the status is still sent, but would not survive a restart). */
  storageFailed(): void;
  /** Statuses and bytes waiting. */
  pending(entries: number, bytes: number): void;
}

export interface StatusSpoolOptions {
  storage: SpoolStorage;
  /** Appends to the log; throws when it could not. */
  send: (entry: SpoolEntry) => Promise<unknown>;
  /** Whether a failure of `send` is final (the event can never be appended): then it is dropped, said and counted. */
  isPermanent: (err: unknown) => boolean;
  /** Most bytes (of encoded events) waiting at once; a status past it is dropped, said and counted. */
  maxBytes: number;
  log: SpoolLog;
  metrics: SpoolMetrics;
  /** Pause after a failed send, doubling up to `maxRetryMs`. */
  minRetryMs?: number;
  maxRetryMs?: number;
}

/**
 * Task statuses on their way to the log, in the order they happened, whatever happens to NATS: each is journaled
 * before it is sent, sent one at a time, and retried (with backoff) until the log has it, however long NATS is away.
 * After a restart the statuses a previous run did not get into the log go first. Bounded by `maxBytes`.
 */
export class StatusSpool {
  private readonly queue: { entry: SpoolEntry; bytes: number }[] = [];
  private bytes = 0;
  private draining?: Promise<void>;
  private stopped = false;
  private full = false;
  private wake?: () => void;
  private journalTail: Promise<void> = Promise.resolve();

  constructor(private readonly opts: StatusSpoolOptions) {}

  /** Loads what a previous run left and starts sending it. Call before adding anything. */
  async open(): Promise<number> {
    const left = await this.opts.storage.load();
    for (const entry of left) this.enqueue(entry);
    if (left.length > 0) this.opts.log.info({ statuses: left.length }, 'sending task statuses spooled before the agent restarted');
    this.kick();
    return left.length;
  }

  /** Spools one status (journaled first) and sends it after those before it. */
  add(entry: SpoolEntry): void {
    const bytes = Buffer.byteLength(JSON.stringify(entry.event));
    if (this.bytes + bytes > this.opts.maxBytes) {
      this.opts.metrics.dropped();
      if (!this.full) {
        this.full = true;
        this.opts.log.error(
          { maxBytes: this.opts.maxBytes, pending: this.queue.length, taskId: taskIdOf(entry.event) },
          'task status spool full (AGENT_STATUS_SPOOL_MAX_BYTES): dropping task statuses until the log takes the ones waiting',
        );
      }
      return;
    }
    const journaled = this.journal(
      () => this.opts.storage.add(entry),
      entry.event.id,
      'cannot journal a task status: it is sent, but would not survive an agent restart',
    );
    this.enqueue(entry, journaled);
    this.kick();
  }

  get pendingCount(): number {
    return this.queue.length;
  }

  /** Resolves once everything spooled so far is in the log (or dropped as permanently refused). */
  async flushed(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Stops sending; what is left stays journaled for the next run. Waits at most `graceMs` for the queue to empty. */
  async stop(graceMs: number): Promise<void> {
    const done = this.flushed();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    if (timer) clearTimeout(timer);
    this.stopped = true;
    this.wake?.();
    if (this.queue.length > 0) this.opts.log.warn({ statuses: this.queue.length }, 'agent stopping with task statuses not yet in the log: they are sent at its next start');
  }

  private readonly journaling = new Map<string, Promise<void>>();

  private enqueue(entry: SpoolEntry, journaled?: Promise<void>): void {
    const bytes = Buffer.byteLength(JSON.stringify(entry.event));
    this.queue.push({ entry, bytes });
    if (journaled) this.journaling.set(entry.event.id, journaled);
    this.bytes += bytes;
    this.opts.metrics.pending(this.queue.length, this.bytes);
  }

  private kick(): void {
    if (this.draining || this.stopped || this.queue.length === 0) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // Added while the last round finished.
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    const min = this.opts.minRetryMs ?? 100;
    const max = this.opts.maxRetryMs ?? 5_000;
    let pause = min;
    let failing = false;
    while (this.queue.length > 0 && !this.stopped) {
      const head = this.queue[0];
      const id = head.entry.event.id;
      // Sent only once journaled: an ack can never precede its entry in the journal.
      await this.journaling.get(id);
      try {
        await this.opts.send(head.entry);
      } catch (e) {
        if (this.opts.isPermanent(e)) {
          this.opts.metrics.rejected();
          this.opts.log.error({ err: e, eventId: id, taskId: taskIdOf(head.entry.event) }, 'the log refused a task status for good: dropping it');
        } else {
          if (!failing) this.opts.log.warn({ err: e, pending: this.queue.length }, 'cannot send task statuses: keeping them spooled and retrying');
          failing = true;
          await new Promise<void>((r) => {
            const timer = setTimeout(r, pause);
            this.wake = () => {
              clearTimeout(timer);
              r();
            };
          });
          this.wake = undefined;
          pause = Math.min(max, pause * 2);
          continue;
        }
      }
      if (failing) this.opts.log.info({ pending: this.queue.length - 1 }, 'task statuses flow again');
      failing = false;
      pause = min;
      this.queue.shift();
      this.journaling.delete(id);
      this.bytes -= head.bytes;
      this.full = false;
      this.opts.metrics.pending(this.queue.length, this.bytes);
      await this.journal(() => this.opts.storage.ack(id), id, 'cannot journal that a task status was sent: a restart sends it again');
    }
    // Checked when its turn comes: a status spooled meanwhile keeps the journal.
    await this.journal(
      () => (this.queue.length === 0 ? this.opts.storage.clear() : Promise.resolve()),
      undefined,
      'cannot empty the task status journal: a restart sends its statuses again',
    );
  }

  /** Journal writes happen one at a time, in the order asked; a failure is said and counted, never thrown. */
  private journal(op: () => Promise<void>, eventId: string | undefined, failure: string): Promise<void> {
    const next = this.journalTail.then(op).catch((e: unknown) => {
      this.opts.metrics.storageFailed();
      this.opts.log.error({ err: e, ...(eventId ? { eventId } : {}) }, failure);
    });
    this.journalTail = next;
    return next;
  }
}

function taskIdOf(event: MarshalEvent): string | undefined {
  return event.type === 'TaskStatusUpdated' ? event.data.taskId : undefined;
}

/** A status the log can never take (invalid, too large): dropped instead of retried for ever. Anything else is retried. */
export function isPermanentAppendError(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === 'EventValidationError' || e.name === 'MarshalError') return true;
  return /maximum payload|message size/i.test(e.message);
}
