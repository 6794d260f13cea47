import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { NoRespondersError, RequestError, TimeoutError, headers, type NatsConnection } from '@nats-io/transport-node';
import { MarshalError, upcast, validateEvent, type EventEnvelope, type MarshalEvent, type Recorded, type Subjects } from '@marshal/contracts';
import { silentLogger, type Logger } from './logger';
import { ParkedEvents, PoisonGuard, PoisonMessageError, decodeRecorded, type PoisonListener, type PoisonPolicy, type RawMessage } from './parked-events';

/** JetStream's "wrong last sequence" error: another writer appended to the subject first. */
const WRONG_LAST_SEQUENCE = 10071;
const TYPE_HEADER = 'Marshal-Type';
const VERSION_HEADER = 'Marshal-Version';

export interface AppendOptions {
  /** Optimistic concurrency: the subject's last sequence the writer decided on (0 = the subject must be empty). */
  expectedLastSubjectSeq?: number;
  /** De-duplication key; defaults to the event id. */
  msgId?: string;
}

/** Deadline of one publish attempt, and how long an append keeps retrying through a NATS outage. */
const ATTEMPT_TIMEOUT_MS = 2_000;
const APPEND_DEADLINE_MS = 60_000;

function isTransient(e: unknown): boolean {
  return e instanceof TimeoutError || e instanceof NoRespondersError || (e instanceof RequestError && e.isNoResponders());
}

export interface AppendResult {
  seq: number;
  /** True when JetStream had already stored a message with this id (a retried append). */
  duplicate: boolean;
}

export interface Subscription {
  stop(): Promise<void>;
  /** Resolves once every event that existed when the subscription started has been handled. */
  readonly caughtUp: Promise<void>;
  /** Events this consumer has parked now (0 without a poison policy). */
  parked(): number;
  /**
   * Parks an event the handler accepted but the consumer could not apply later (see PoisonGuard.parkFailure); false
   * without a poison policy, or when it could not be recorded before the subscription stopped.
   */
  park(rec: Recorded<MarshalEvent>, error: unknown, attempts: number): Promise<boolean>;
}

export type RecordedHandler = (rec: Recorded<MarshalEvent>, ctx: { pending: number }) => Promise<void> | void;

export interface FollowOptions {
  /** First stream sequence to deliver (default 1). */
  fromSeq?: number;
  log?: Logger;
  /** Heartbeats missed in a row before the consumer is re-created (default STALL_HEARTBEATS). */
  stallHeartbeats?: number;
  /** Server heartbeat period is half of this (ms, default 5000). */
  expiresMs?: number;
  /**
   * Bounded retries and parking of events that cannot be applied (docs/architecture.md, poison events). Without it a
   * failing handler is retried until it succeeds, and an undecodable message is logged and skipped.
   */
  poison?: PoisonPolicy;
  /** Told when the consumer parks or skips a parked event, and when one is applied after all. */
  poisonListener?: PoisonListener;
}

export interface ReadOptions {
  fromSeq?: number;
  toSeq?: number;
  /** Told of each message skipped because it is not an event of the catalogue. */
  onPoison?: (at: { seq: number; subject: string }, error: PoisonMessageError) => void;
}

export interface DurableOptions {
  stallHeartbeats?: number;
  expiresMs?: number;
  ackWaitMs?: number;
  maxDeliver?: number;
  /** Delay before a failed message is redelivered. */
  retryDelayMs?: number;
  log?: Logger;
  /** As FollowOptions.poison: the message is acked once parked. */
  poison?: PoisonPolicy;
  poisonListener?: PoisonListener;
}

/**
 * Heartbeats from the server a consumer may miss in a row (at `expires / 2` each) before it is taken for stalled and
 * re-created: pull consumers can stop delivering after server restarts without failing (toolchain §4; nats.go#1729).
 */
export const STALL_HEARTBEATS = 4;

/** Closes a consumer's message iterator when it stalls, so the loop around it re-creates the consumer. */
function closeWhenStalled(messages: ConsumerMessages, log: Logger, what: Record<string, unknown>, maxMissed: number): void {
  void (async () => {
    for await (const s of messages.status()) {
      const stalled = (s.type === 'heartbeats_missed' && s.count >= maxMissed) || s.type === 'consumer_deleted';
      if (!stalled) continue;
      log.warn({ ...what, notification: s }, 'consumer stalled; re-creating it');
      await messages.close().catch((e: unknown) => log.warn({ ...what, err: e }, 'closing a stalled consumer failed; it is re-created anyway'));
      return;
    }
  })().catch((e: unknown) => log.warn({ ...what, err: e }, 'watch of consumer status ended'));
}

const noop = (): void => undefined;

function decode(m: JsMsg): Recorded<MarshalEvent> {
  const raw = m.json<EventEnvelope>();
  return { seq: m.seq, subject: m.subject, event: upcast(raw) as MarshalEvent };
}

/**
 * The event log: one JetStream stream, one subject per aggregate instance (DESIGN.md "Event log").
 * Appends are validated against the catalogue, de-duplicated by `Nats-Msg-Id` and optionally guarded by the
 * subject's expected last sequence; reads replay in log order through ordered consumers.
 */
export class EventStore {
  private constructor(
    readonly nc: NatsConnection,
    readonly subjects: Subjects,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly log: Logger,
  ) {}

  private parkedOpening?: Promise<ParkedEvents>;

  /** Opens the store, creating the stream if it does not exist yet. `log` hears of messages `read` skips. */
  static async open(nc: NatsConnection, subjects: Subjects, opts: { apiTimeoutMs?: number; log?: Logger } = {}): Promise<EventStore> {
    const timeout = opts.apiTimeoutMs ?? 10_000;
    const jsm = await jetstreamManager(nc, { timeout });
    const store = new EventStore(nc, subjects, jetstream(nc, { timeout }), jsm, opts.log ?? silentLogger);
    await store.ensureStream();
    return store;
  }

  get stream(): string {
    return this.subjects.stream;
  }

  async ensureStream(): Promise<void> {
    try {
      await this.jsm.streams.info(this.stream);
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== 10059) throw e;
      try {
        await this.jsm.streams.add({
          name: this.stream,
          subjects: [this.subjects.allEvents],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          max_age: 0,
          max_msgs: -1,
          max_bytes: -1,
          duplicate_window: 120_000_000_000,
        });
      } catch (addErr) {
        // Another process created it first.
        if (!(addErr instanceof JetStreamApiError) || addErr.code !== 10058) throw addErr;
      }
    }
  }

  /**
   * Appends one event; throws MarshalError CONFLICT when the expected sequence is stale.
   * A publish lost in a NATS outage is retried until the deadline: the message id makes a retry of a publish that
   * did land come back as a duplicate with the original sequence instead of a second copy.
   */
  async append(subject: string, event: MarshalEvent, opts: AppendOptions = {}): Promise<AppendResult> {
    validateEvent(event);
    const h = headers();
    h.set(TYPE_HEADER, event.type);
    h.set(VERSION_HEADER, String(event.version));
    const payload = JSON.stringify(event);
    const deadline = Date.now() + APPEND_DEADLINE_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await this.js.publish(subject, payload, {
          msgID: opts.msgId ?? event.id,
          headers: h,
          timeout: ATTEMPT_TIMEOUT_MS,
          ...(opts.expectedLastSubjectSeq !== undefined ? { expect: { lastSubjectSequence: opts.expectedLastSubjectSeq } } : {}),
        });
        return { seq: ack.seq, duplicate: ack.duplicate };
      } catch (e) {
        if (e instanceof JetStreamApiError && e.code === WRONG_LAST_SEQUENCE) {
          throw new MarshalError('CONFLICT', `concurrent write to ${subject}: ${e.message}`);
        }
        if (!isTransient(e) || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, Math.min(1_000, 50 * attempt)));
      }
    }
  }

  /**
   * Appends events to one aggregate in order, each guarded by the sequence of the one before, so a competing
   * writer makes the rest of the batch fail instead of interleaving.
   */
  async appendChain(subject: string, events: MarshalEvent[], expectedLastSubjectSeq: number): Promise<AppendResult[]> {
    const results: AppendResult[] = [];
    let expected = expectedLastSubjectSeq;
    for (const event of events) {
      const r = await this.append(subject, event, { expectedLastSubjectSeq: expected });
      results.push(r);
      expected = r.seq;
    }
    return results;
  }

  /** Appends facts that need no ordering guard, pipelined; resolves in input order. */
  async appendAll(items: { subject: string; event: MarshalEvent; msgId?: string }[]): Promise<AppendResult[]> {
    return Promise.all(items.map((i) => this.append(i.subject, i.event, { msgId: i.msgId })));
  }

  /** Sequence of the last message on a subject (wildcards allowed), 0 when there is none. */
  async lastSeq(subjectFilter: string): Promise<number> {
    try {
      const m = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subjectFilter });
      return m ? m.seq : 0;
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === 10037) return 0; // no message found
      throw e;
    }
  }

  /** The event at a stream sequence (upcast), or undefined when there is none. */
  async get(seq: number): Promise<Recorded<MarshalEvent> | undefined> {
    try {
      const m = await this.jsm.streams.getMessage(this.stream, { seq });
      if (!m) return undefined;
      return { seq: m.seq, subject: m.subject, event: upcast(m.json<EventEnvelope>()) as MarshalEvent };
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === 10037) return undefined; // no message found
      throw e;
    }
  }

  /** Last sequence of the whole stream. */
  async headSeq(): Promise<number> {
    const info = await this.jsm.streams.info(this.stream);
    return info.state.last_seq;
  }

  /**
   * Replays the events matching a filter (one aggregate, or a family) that exist now, in log order. A message that is
   * not an event of the catalogue (not JSON, or failing its schema) is skipped, logged, and told to `onPoison`: the
   * consumers park those (docs/architecture.md, poison events), so a replay sees what they applied.
   */
  async *read(filter: string, opts: ReadOptions = {}): AsyncGenerator<Recorded<MarshalEvent>> {
    const fromSeq = opts.fromSeq ?? 1;
    const consumer = await this.js.consumers.get(this.stream, {
      filter_subjects: filter,
      ...(fromSeq > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq } : { deliver_policy: DeliverPolicy.All }),
    });
    const info = await consumer.info();
    if (info.num_pending === 0) {
      // An ordered consumer is ephemeral: the server drops it on its own if this delete is lost.
      await consumer.delete().catch((e: unknown) => this.log.debug({ err: e, filter }, 'could not delete an empty read consumer'));
      return;
    }
    const messages = await consumer.consume({ max_messages: 1024 });
    try {
      for await (const m of messages) {
        if (opts.toSeq !== undefined && m.seq > opts.toSeq) break;
        let rec: Recorded<MarshalEvent> | undefined;
        try {
          rec = decodeRecorded(m);
        } catch (e) {
          if (!(e instanceof PoisonMessageError)) throw e;
          this.log.warn({ seq: m.seq, subject: m.subject, reason: e.reason, error: e.message }, 'read skipped a message that is not an event of the catalogue');
          opts.onPoison?.({ seq: m.seq, subject: m.subject }, e);
        }
        if (rec) yield rec;
        if (m.info.pending === 0 || (opts.toSeq !== undefined && m.seq >= opts.toSeq)) break;
      }
    } finally {
      await messages.close().catch((e: unknown) => this.log.debug({ err: e, filter }, 'could not close a read consumer'));
    }
  }

  /** Collects `read` into an array. */
  async readAll(filter: string, opts: ReadOptions = {}): Promise<Recorded<MarshalEvent>[]> {
    const out: Recorded<MarshalEvent>[] = [];
    for await (const r of this.read(filter, opts)) out.push(r);
    return out;
  }

  /** The namespace's record of parked events, opened on first use. */
  parkedEvents(): Promise<ParkedEvents> {
    this.parkedOpening ??= ParkedEvents.open(this.nc, this.subjects).catch((e: unknown) => {
      this.parkedOpening = undefined;
      throw e;
    });
    return this.parkedOpening;
  }

  private guard(opts: { poison?: PoisonPolicy; poisonListener?: PoisonListener }, log: Logger, stopped: () => boolean): PoisonGuard | undefined {
    if (!opts.poison) return undefined;
    const g = new PoisonGuard(() => this.parkedEvents(), opts.poison, log, stopped);
    if (opts.poisonListener) g.listener = opts.poisonListener;
    return g;
  }

  /**
   * Listens for admins' retries of parked events (`subjects.parkedRetry`) on behalf of one consumer: a sequence it
   * parked is read back from the stream and applied again through `run`, which serialises it with live delivery.
   */
  private listenForRetries(guard: PoisonGuard, log: Logger, run: (m: RawMessage) => Promise<void>): { unsubscribe(): void } {
    const sub = this.nc.subscribe(this.subjects.parkedRetry);
    void (async () => {
      for await (const msg of sub) {
        let seq: number;
        try {
          seq = (msg.json<{ seq: unknown }>() ?? {}).seq as number;
        } catch (e) {
          log.warn({ err: e, consumer: guard.consumer }, 'ignored a retry request that is not JSON');
          continue;
        }
        if (!Number.isSafeInteger(seq) || !guard.has(seq)) continue;
        try {
          const stored = await this.jsm.streams.getMessage(this.stream, { seq });
          if (!stored) await guard.forget(seq, '');
          else await run({ seq: stored.seq, subject: stored.subject, data: stored.data });
        } catch (e) {
          if (e instanceof JetStreamApiError && e.code === 10037) await guard.forget(seq, '');
          else log.error({ err: e, consumer: guard.consumer, seq }, 'retry of a parked event could not run; ask again');
        }
      }
    })().catch((e: unknown) => log.error({ err: e, consumer: guard.consumer }, 'retry listener ended'));
    return sub;
  }

  /**
   * Follows a filter live with an ordered consumer, one event at a time: the handler's promise settles before the
   * next event is delivered. With a poison policy, an event that cannot be decoded, fails its schema or whose handler
   * fails deterministically is parked after bounded retries and skipped; without one a failing handler is retried
   * (the same event) after a pause. The subscription re-creates its consumer if the server restarts or it stalls.
   */
  follow(filter: string, handler: RecordedHandler, opts: FollowOptions = {}): Subscription {
    const log = opts.log ?? silentLogger;
    let next = opts.fromSeq ?? 1;
    let stopped = false;
    let current: ConsumerMessages | undefined;
    let markCaughtUp!: () => void;
    const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
    const guard = this.guard(opts, log, () => stopped);
    let loaded = false;
    /** The live delivery running now, and the admin retry running or waiting: never both at once. */
    let inFlight: Promise<unknown> | undefined;
    let retrying: Promise<void> | undefined;
    let lastPending = 0;
    const retries = guard
      ? this.listenForRetries(guard, log, (m) => {
          const run = async (): Promise<void> => {
            while (inFlight) await inFlight.then(noop, noop);
            await guard.deliver(m, handler, lastPending, 'retry');
          };
          const p = (retrying ?? Promise.resolve()).then(run);
          const settled = p.then(noop, noop);
          retrying = settled;
          void settled.then(() => {
            if (retrying === settled) retrying = undefined;
          });
          return p;
        })
      : undefined;

    const deliverPlain = async (m: JsMsg): Promise<boolean> => {
      let rec: Recorded<MarshalEvent>;
      try {
        rec = decode(m);
      } catch (e) {
        log.error({ err: e, seq: m.seq, subject: m.subject }, 'skipped a message that is not an event of the catalogue');
        return true;
      }
      for (;;) {
        try {
          await handler(rec, { pending: m.info.pending });
          return true;
        } catch (e) {
          if (stopped) return false;
          log.error({ err: e, seq: rec.seq, type: rec.event.type }, 'event handler failed; retrying');
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };

    const run = async (): Promise<void> => {
      while (!stopped) {
        try {
          if (guard && !loaded) {
            await guard.load();
            loaded = true;
          }
          const consumer = await this.js.consumers.get(this.stream, {
            filter_subjects: filter,
            ...(next > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next } : { deliver_policy: DeliverPolicy.All }),
          });
          const info = await consumer.info();
          if (info.num_pending === 0) markCaughtUp();
          current = await consumer.consume({ max_messages: 512, expires: opts.expiresMs ?? 5_000 });
          closeWhenStalled(current, log, { filter, next }, opts.stallHeartbeats ?? STALL_HEARTBEATS);
          for await (const m of current) {
            if (stopped) break;
            if (retrying) await retrying;
            lastPending = m.info.pending;
            const delivery = guard ? guard.deliver(m, handler, m.info.pending) : deliverPlain(m);
            inFlight = delivery;
            const done = await delivery.finally(() => (inFlight = undefined));
            if (!done) return;
            next = m.seq + 1;
            if (m.info.pending === 0) markCaughtUp();
          }
          // The iterator ended without a stop: the consumer stalled or was closed under us; start again from `next`.
          if (!stopped) await new Promise((r) => setTimeout(r, 100));
        } catch (e) {
          if (stopped) return;
          log.warn({ err: e, filter, next }, 'event subscription interrupted; re-creating consumer');
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    const done = run();
    return {
      caughtUp,
      parked: () => guard?.count ?? 0,
      park: (rec, error, attempts) => guard?.parkFailure(rec, error, attempts) ?? Promise.resolve(false),
      stop: async () => {
        stopped = true;
        retries?.unsubscribe();
        await current?.close().catch((e: unknown) => log.debug({ err: e, filter }, 'closing the consumer at stop failed'));
        await done;
        await retrying;
      },
    };
  }

  /**
   * A durable pull consumer: at-least-once delivery shared by every process that uses the same name.
   * Acks after the handler succeeds, naks (redelivery after a delay) when it throws.
   */
  async durable(name: string, filter: string, handler: RecordedHandler, opts: DurableOptions = {}): Promise<Subscription> {
    const log = opts.log ?? silentLogger;
    const config = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filter,
      ack_wait: (opts.ackWaitMs ?? 30_000) * 1_000_000,
      max_deliver: opts.maxDeliver ?? -1,
    };
    // Creates the consumer, or brings its filter in line; also after it was deleted under us.
    const ensure = async (): Promise<void> => {
      try {
        const existing = await this.jsm.consumers.info(this.stream, name);
        if (existing.config.filter_subject !== filter) {
          await this.jsm.consumers.update(this.stream, name, { filter_subject: filter });
        }
      } catch (e) {
        if (!(e instanceof JetStreamApiError) || e.code !== 10014) throw e;
        await this.jsm.consumers.add(this.stream, config);
      }
    };
    await ensure();
    let stopped = false;
    let current: ConsumerMessages | undefined;
    let markCaughtUp!: () => void;
    const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve));
    const guard = this.guard(opts, log, () => stopped);
    let loaded = false;
    // Deliveries of a durable consumer are not ordered anyway: a retry runs beside them.
    const retries = guard ? this.listenForRetries(guard, log, async (m) => void (await guard.deliver(m, handler, 0, 'retry'))) : undefined;
    const run = async (): Promise<void> => {
      while (!stopped) {
        try {
          await ensure();
          const consumer = await this.js.consumers.get(this.stream, name);
          const info = await consumer.info();
          if (info.num_pending === 0 && info.num_ack_pending === 0) markCaughtUp();
          current = await consumer.consume({ max_messages: 256, expires: opts.expiresMs ?? 5_000 });
          closeWhenStalled(current, log, { consumer: name }, opts.stallHeartbeats ?? STALL_HEARTBEATS);
          for await (const m of current) {
            if (stopped) break;
            if (guard) {
              if (!loaded) {
                await guard.load();
                loaded = true;
              }
              // Bounded retries happen in place; a parked message is acked like an applied one (it stays in the stream).
              if (!(await guard.deliver(m, handler, m.info.pending))) break;
              await m.ackAck().catch(() => m.ack());
            } else {
              let rec: Recorded<MarshalEvent>;
              try {
                rec = decode(m);
              } catch (e) {
                log.error({ err: e, seq: m.seq, subject: m.subject, consumer: name }, 'skipped a message that is not an event of the catalogue');
                m.term();
                continue;
              }
              try {
                await handler(rec, { pending: m.info.pending });
                await m.ackAck().catch(() => m.ack());
              } catch (e) {
                log.error({ err: e, seq: rec.seq, type: rec.event.type, consumer: name }, 'event handler failed; will be redelivered');
                m.nak(opts.retryDelayMs ?? 500);
              }
            }
            if (m.info.pending === 0) markCaughtUp();
          }
          if (!stopped) await new Promise((r) => setTimeout(r, 100));
        } catch (e) {
          if (stopped) return;
          log.warn({ err: e, consumer: name }, 'durable consumer interrupted; re-creating');
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    const done = run();
    return {
      caughtUp,
      parked: () => guard?.count ?? 0,
      park: (rec, error, attempts) => guard?.parkFailure(rec, error, attempts) ?? Promise.resolve(false),
      stop: async () => {
        stopped = true;
        retries?.unsubscribe();
        await current?.close().catch((e: unknown) => log.debug({ err: e, consumer: name }, 'closing the consumer at stop failed'));
        await done;
      },
    };
  }
}
