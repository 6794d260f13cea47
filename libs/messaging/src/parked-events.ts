import { Kvm, type KV } from '@nats-io/kv';
import { NoRespondersError, RequestError, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import { Counter, register, type Registry } from 'prom-client';
import {
  EventValidationError,
  MarshalError,
  encodeToken,
  upcast,
  validateRecordedEvent,
  type MarshalEvent,
  type ParkedEvent,
  type Recorded,
  type Subjects,
} from '@marshal/contracts';

/** Name of the counter of events parked by a consumer (first parking only; a replay that meets it again does not count). */
export const PARKED_EVENTS_METRIC = 'marshal_events_parked_total';

/** One counter per registry, shared by every consumer of the process. */
export function parkedCounter(registry: Registry = register): Counter<'consumer'> {
  const existing = registry.getSingleMetric(PARKED_EVENTS_METRIC);
  if (existing) return existing as Counter<'consumer'>;
  return new Counter({
    name: PARKED_EVENTS_METRIC,
    help: 'Events a consumer could not decode, validate or apply after bounded retries, parked and skipped',
    labelNames: ['consumer'],
    registers: [registry],
  });
}

/** A message as the stream holds it: what a consumer delivers and what a retry reads back by sequence. */
export interface RawMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
}

/** Why a message cannot be applied, decided before any handler runs: it never will be, however often it is tried. */
export class PoisonMessageError extends Error {
  constructor(
    readonly reason: 'undecodable' | 'invalid',
    message: string,
    readonly eventId: string | null = null,
    readonly eventType: string | null = null,
  ) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a stored message into a recorded event: UTF-8 JSON, checked against the catalogue's schema of the version it
 * was written at, then upcast. Anything else is a PoisonMessageError.
 */
export function decodeRecorded(m: RawMessage): Recorded<MarshalEvent> {
  let raw: unknown;
  try {
    raw = JSON.parse(utf8.decode(m.data));
  } catch (e) {
    throw new PoisonMessageError('undecodable', `not a JSON event (${m.data.length} bytes): ${(e as Error).message}`);
  }
  const o = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const id = typeof o.id === 'string' ? o.id.slice(0, 200) : null;
  const type = typeof o.type === 'string' ? o.type.slice(0, 200) : null;
  try {
    const env = validateRecordedEvent(raw);
    return { seq: m.seq, subject: m.subject, event: upcast(env) as MarshalEvent };
  } catch (e) {
    const message = e instanceof EventValidationError ? e.message : `cannot be upcast: ${(e as Error).message}`;
    throw new PoisonMessageError('invalid', message.slice(0, 2_000), id, type);
  }
}

const TRANSIENT_SYSCALL = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Failures of the world around a handler rather than of the event: NATS timeouts and missing responders, a closed
 * connection, a JetStream API that is not answering, network errors, PostgreSQL's connection, resource and shutdown
 * classes (SQLSTATE 08, 53, 57P, and 40001/40P01 which ask for a retry), and MarshalError UNAVAILABLE, TIMEOUT and
 * CONFLICT (a competing writer; the fold catches up and decides again). A consumer keeps retrying these without
 * counting them: they say nothing about the event.
 */
export function isTransientFailure(e: unknown): boolean {
  if (e instanceof TimeoutError || e instanceof NoRespondersError) return true;
  if (e instanceof RequestError && e.isNoResponders()) return true;
  if (e instanceof JetStreamApiError) return e.code === 503 || e.code === 10008;
  if (e instanceof MarshalError) return e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT' || e.code === 'CONFLICT';
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (TRANSIENT_SYSCALL.has(code)) return true;
      if (/^(08|53|57P)/.test(code) || code === '40001' || code === '40P01') return true;
    }
    if (e.name === 'ClosedConnectionError' || /connection (closed|terminated|ended)/i.test(e.message)) return true;
    return e.cause !== undefined && e.cause !== e && isTransientFailure(e.cause);
  }
  return false;
}

/**
 * The durable record of parked events of one namespace: a JetStream KV bucket, one key `<consumer>.<seq>` per event a
 * consumer parked (docs/architecture.md explains the choice). Consumers write and delete their own keys; the gateway
 * lists them and asks for retries on `subjects.parkedRetry`.
 */
export class ParkedEvents {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly kv: KV,
  ) {}

  static async open(nc: NatsConnection, subjects: Subjects): Promise<ParkedEvents> {
    const kv = await new Kvm(nc).create(subjects.parkedBucket, { history: 1 });
    return new ParkedEvents(nc, subjects, kv);
  }

  private key(consumer: string, seq: number): string {
    return `${encodeToken(consumer)}.${seq}`;
  }

  /** Records a parked event; true when the consumer had not parked that sequence before. */
  async park(entry: ParkedEvent): Promise<boolean> {
    const key = this.key(entry.consumer, entry.seq);
    const before = await this.kv.get(key);
    await this.kv.put(key, JSON.stringify(entry));
    return !before || before.operation !== 'PUT';
  }

  async unpark(consumer: string, seq: number): Promise<void> {
    await this.kv.purge(this.key(consumer, seq));
  }

  async get(consumer: string, seq: number): Promise<ParkedEvent | undefined> {
    const e = await this.kv.get(this.key(consumer, seq));
    return e && e.operation === 'PUT' ? e.json<ParkedEvent>() : undefined;
  }

  /** Sequences one consumer has parked (what a consumer loads when it starts). */
  async sequencesOf(consumer: string): Promise<Set<number>> {
    const seqs = new Set<number>();
    for await (const k of await this.kv.keys(`${encodeToken(consumer)}.*`)) seqs.add(Number(k.slice(k.lastIndexOf('.') + 1)));
    return seqs;
  }

  /** Every parked event, optionally of one sequence only, ordered by sequence then consumer. */
  async list(seq?: number): Promise<ParkedEvent[]> {
    const keys: string[] = [];
    for await (const k of await this.kv.keys(seq === undefined ? '>' : `*.${seq}`)) keys.push(k);
    const out: ParkedEvent[] = [];
    for (const k of keys) {
      const e = await this.kv.get(k);
      if (e && e.operation === 'PUT') out.push(e.json<ParkedEvent>());
    }
    return out.sort((a, b) => a.seq - b.seq || a.consumer.localeCompare(b.consumer));
  }

  /**
   * Follows the record: `onChange` gets every parked event there is, then each one parked, updated (a PUT) or removed
   * (its key, with `entry` undefined). Resolves a stop function.
   */
  async watch(onChange: (key: string, entry: ParkedEvent | undefined) => void, onEnd: (e?: unknown) => void): Promise<() => void> {
    const it = await this.kv.watch({ key: '>' });
    void (async () => {
      for await (const e of it) onChange(e.key, e.operation === 'PUT' ? e.json<ParkedEvent>() : undefined);
    })().then(() => onEnd(), onEnd);
    return () => it.stop();
  }

  /** Asks every consumer that parked `seq` to re-read it from the stream and apply it again. */
  requestRetry(seq: number): void {
    this.nc.publish(this.subjects.parkedRetry, JSON.stringify({ seq }));
  }
}

/** How a consumer treats events it cannot apply (docs/architecture.md, poison events). */
export interface PoisonPolicy {
  /** Name the consumer parks under: one per role (a service's queue), shared by its instances. */
  consumer: string;
  /** Deterministic failures of the handler on one event before it is parked (at least 1). */
  maxAttempts: number;
  /** Pause before the first retry; doubled each attempt up to 10 s. Transient failures retry at this pace, uncounted. */
  retryDelayMs?: number;
  /** Default isTransientFailure. */
  isTransient?: (e: unknown) => boolean;
  /** Where `marshal_events_parked_total` is registered (default prom-client's global registry). */
  registry?: Registry;
}

/** What a consumer is told when it skips a parked event (new, or met again on a replay) and when one is applied after all. */
export interface PoisonListener {
  parked?(entry: ParkedEvent): void | Promise<void>;
  unparked?(entry: { consumer: string; seq: number; subject: string }): void | Promise<void>;
}

interface GuardLogger {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

type Handler = (rec: Recorded<MarshalEvent>, ctx: { pending: number }) => Promise<void> | void;

function describe(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.slice(0, 2_000);
}

/**
 * Runs one consumer's handler on each message with bounded retries, and parks what cannot be applied: undecodable or
 * schema-violating messages at once, a handler's deterministic failure after `maxAttempts`. Transient failures are
 * retried without limit. On the happy path it costs the decode the consumer needs anyway and one set lookup.
 */
export class PoisonGuard {
  private readonly seqs = new Set<number>();
  private readonly counter: Counter<'consumer'>;
  private readonly isTransient: (e: unknown) => boolean;
  listener: PoisonListener = {};

  constructor(
    private readonly parked: () => Promise<ParkedEvents>,
    readonly policy: PoisonPolicy,
    private readonly log: GuardLogger,
    private readonly stopped: () => boolean,
  ) {
    if (!(policy.maxAttempts >= 1)) throw new Error(`maxAttempts must be at least 1, got ${policy.maxAttempts}`);
    this.counter = parkedCounter(policy.registry);
    this.isTransient = policy.isTransient ?? isTransientFailure;
  }

  get consumer(): string {
    return this.policy.consumer;
  }

  /** Events this consumer has parked now. */
  get count(): number {
    return this.seqs.size;
  }

  has(seq: number): boolean {
    return this.seqs.has(seq);
  }

  /** Loads what this consumer parked in earlier runs, so a replay skips those at once instead of retrying them. */
  async load(): Promise<void> {
    for (const s of await (await this.parked()).sequencesOf(this.consumer)) this.seqs.add(s);
  }

  private delay(attempt: number): number {
    return Math.min(10_000, (this.policy.retryDelayMs ?? 500) * 2 ** Math.max(0, attempt - 1));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  /** Retries a write to the parked record until it lands or the consumer stops: a consumer never moves on without it. */
  private async durably(what: string, fn: (p: ParkedEvents) => Promise<void>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await fn(await this.parked());
        return true;
      } catch (e) {
        if (this.stopped()) return false;
        this.log.warn({ err: e, consumer: this.consumer, attempt }, `could not ${what}; retrying`);
        await this.sleep(this.delay(attempt));
      }
    }
  }

  /**
   * Applies one message. Resolves true once it is applied or parked, false when the consumer stopped meanwhile.
   * `retry` is an admin's retry of a parked event: its failure updates the record instead of creating one.
   */
  async deliver(m: RawMessage, handler: Handler, pending: number, mode: 'live' | 'retry' = 'live'): Promise<boolean> {
    const known = this.seqs.has(m.seq);
    let rec: Recorded<MarshalEvent>;
    try {
      rec = decodeRecorded(m);
    } catch (e) {
      if (!(e instanceof PoisonMessageError)) throw e;
      return this.park(m, { reason: e.reason, error: e.message, eventId: e.eventId, type: e.eventType, attempts: 1 }, mode);
    }
    let transient = 0;
    for (let attempts = 1; ; ) {
      try {
        await handler(rec, { pending });
        if (known) return this.unpark(m);
        return true;
      } catch (e) {
        if (this.stopped()) return false;
        if (this.isTransient(e)) {
          transient++;
          if (transient === 1 || transient % 20 === 0) {
            this.log.warn({ err: e, consumer: this.consumer, seq: m.seq, type: rec.event.type, transient }, 'event handler failed on a transient error; retrying');
          }
          await this.sleep(this.policy.retryDelayMs ?? 500);
          continue;
        }
        // A replay meeting an event parked before does not retry it: an admin's retry does.
        if (attempts >= this.policy.maxAttempts || (known && mode === 'live')) {
          return this.park(m, { reason: 'handler', error: describe(e), eventId: rec.event.id, type: rec.event.type, attempts }, mode);
        }
        this.log.error({ err: e, consumer: this.consumer, seq: m.seq, type: rec.event.type, attempts }, 'event handler failed; retrying');
        await this.sleep(this.delay(attempts));
        attempts++;
      }
    }
  }

  private async park(
    m: RawMessage,
    f: { reason: ParkedEvent['reason']; error: string; eventId: string | null; type: string | null; attempts: number },
    mode: 'live' | 'retry',
  ): Promise<boolean> {
    const known = this.seqs.has(m.seq);
    let entry: ParkedEvent = {
      consumer: this.consumer,
      seq: m.seq,
      subject: m.subject,
      eventId: f.eventId,
      type: f.type,
      reason: f.reason,
      error: f.error,
      attempts: f.attempts,
      retries: 0,
      parkedAt: new Date().toISOString(),
    };
    let isNew = false;
    if (!known || mode === 'retry') {
      const ok = await this.durably('record a parked event', async (p) => {
        const before = mode === 'retry' ? await p.get(this.consumer, m.seq) : undefined;
        if (before) entry = { ...entry, attempts: before.attempts + f.attempts, retries: before.retries + 1, parkedAt: before.parkedAt };
        isNew = await p.park(entry);
      });
      if (!ok) return false;
    }
    this.seqs.add(m.seq);
    if (isNew) {
      this.counter.inc({ consumer: this.consumer });
      this.log.error({ consumer: this.consumer, seq: m.seq, subject: m.subject, type: f.type, reason: f.reason, attempts: f.attempts, error: f.error }, 'event parked; the consumer moves on');
    } else if (mode === 'retry') {
      this.log.warn({ consumer: this.consumer, seq: m.seq, error: f.error }, 'retry of a parked event failed; it stays parked');
    }
    await this.listener.parked?.(entry);
    return true;
  }

  private async unpark(m: RawMessage): Promise<boolean> {
    const ok = await this.durably('remove a parked event', (p) => p.unpark(this.consumer, m.seq));
    if (!ok) return false;
    this.seqs.delete(m.seq);
    this.log.info({ consumer: this.consumer, seq: m.seq, subject: m.subject }, 'parked event applied; no longer parked');
    await this.listener.unparked?.({ consumer: this.consumer, seq: m.seq, subject: m.subject });
    return true;
  }

  /**
   * Parks an event the handler accepted but a later stage of the consumer could not apply (a projector's batch that
   * PostgreSQL refuses): recorded as a handler failure, counted and told like any other.
   */
  parkFailure(rec: Recorded<MarshalEvent>, error: unknown, attempts: number): Promise<boolean> {
    return this.park(
      { seq: rec.seq, subject: rec.subject, data: new Uint8Array() },
      { reason: 'handler', error: describe(error), eventId: rec.event.id, type: rec.event.type, attempts },
      'live',
    );
  }

  /** Forgets a parked sequence the stream no longer holds (purged, or the stream was recreated). */
  async forget(seq: number, subject: string): Promise<void> {
    if (await this.unpark({ seq, subject, data: new Uint8Array() })) this.log.warn({ consumer: this.consumer, seq }, 'parked event no longer in the stream; forgotten');
  }
}

/**
 * The services a fold holds suspect: it parked an event of theirs, so its state of them is known to be incomplete and
 * it must not decide for them until the event is applied (retried after a fix). Plug it in as a PoisonListener.
 */
export class SuspectServices implements PoisonListener {
  private readonly bySeq = new Map<string, Set<number>>();

  constructor(private readonly subjects: Subjects) {}

  private serviceOf(subject: string): string | undefined {
    const p = this.subjects.parse(subject);
    return p?.kind === 'service' ? p.service : undefined;
  }

  parked(entry: { seq: number; subject: string }): void {
    const service = this.serviceOf(entry.subject);
    if (service === undefined) return;
    const seqs = this.bySeq.get(service) ?? new Set<number>();
    seqs.add(entry.seq);
    this.bySeq.set(service, seqs);
  }

  unparked(entry: { seq: number; subject: string }): void {
    const service = this.serviceOf(entry.subject);
    const seqs = service === undefined ? undefined : this.bySeq.get(service);
    if (!seqs || service === undefined) return;
    seqs.delete(entry.seq);
    if (seqs.size === 0) this.bySeq.delete(service);
  }

  has(service: string): boolean {
    return this.bySeq.has(service);
  }

  /** The parked sequences that make a service suspect, ascending. */
  sequences(service: string): number[] {
    return [...(this.bySeq.get(service) ?? [])].sort((a, b) => a - b);
  }

  /** The error a command on a suspect service gets: it names the parked sequences and how to retry them. */
  error(service: string, consumer: string): MarshalError {
    const seqs = this.sequences(service);
    return new MarshalError(
      'UNAVAILABLE',
      `service '${service}' is suspect: ${consumer} parked its event${seqs.length > 1 ? 's' : ''} at sequence ${seqs.join(', ')}; ` +
        `nothing is decided for it until ${seqs.length > 1 ? 'they are' : 'it is'} applied (marshal admin parked retry <seq> after a fix)`,
    );
  }
}
