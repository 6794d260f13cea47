import { NoRespondersError, TimeoutError, RequestError, type NatsConnection, type Subscription as NatsSubscription } from '@nats-io/transport-node';
import {
  MarshalError,
  QUERY_COMMANDS,
  isMarshalError,
  validateCommand,
  type CommandKey,
  type CommandReply,
  type CommandRequest,
  type Reply,
  type Subjects,
} from '@marshal/contracts';
import { silentLogger, type Logger } from './logger';

export interface RequestOptions {
  /** Deadline of one attempt. */
  timeoutMs?: number;
  /**
   * Further attempts after a timeout, a dropped connection, or when nobody answers yet (a service restarting). Safe
   * because every command carries its id and handlers are idempotent on it.
   */
  retries?: number;
  retryDelayMs?: number;
}

export type CommandHandler<K extends CommandKey> = (request: CommandRequest<K>) => Promise<CommandReply<K>>;

interface CachedReply {
  at: number;
  payload: string;
}

/**
 * Request/reply commands over core NATS: `<ns>.cmd.<name>`, one queue group per service so any instance answers.
 * Requests are validated on receipt; a domain error travels back as `{ ok: false, error }` and is re-thrown as a
 * MarshalError at the caller.
 */
/** A request whose connection dropped while it waited: its reply, if any, can no longer arrive. */
class ConnectionLostError extends Error {
  constructor() {
    super('the connection to NATS dropped while waiting for the reply');
  }
}

export class CommandBus {
  /** Replies by command id, so a retried command gets the answer of its first run instead of running twice. */
  private readonly replies = new Map<string, CachedReply>();
  /** Replies of the commands running now, by command id. */
  private readonly running = new Map<string, Promise<{ payload: string; transient: boolean }>>();
  /** How to end each request attempt waiting now. */
  private readonly waiting = new Set<(e: Error) => void>();
  private connected = true;
  private reconnected: (() => void)[] = [];

  constructor(
    readonly nc: NatsConnection,
    readonly subjects: Subjects,
    private readonly log: Logger = silentLogger,
  ) {
    this.endWaitingRequestsOnDisconnect();
  }

  /**
   * A request in flight when the connection drops (a NATS restart) has lost its reply: nats.js would still wait out
   * its whole deadline. End it at once, so that `request` retries as soon as the connection is back (it waits for the
   * reconnection before each attempt).
   */
  private endWaitingRequestsOnDisconnect(): void {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') {
          this.connected = false;
          const ends = [...this.waiting];
          this.waiting.clear();
          for (const end of ends) end(new ConnectionLostError());
        } else if (s.type === 'reconnect') {
          this.connected = true;
          const waiters = this.reconnected;
          this.reconnected = [];
          for (const w of waiters) w();
        }
      }
    })().catch((e: unknown) => this.log.warn({ err: e }, 'watch of the NATS connection status ended'));
  }

  /** A request published while the connection is down is lost (nats.js does not send it on reconnect): wait. */
  private untilConnected(timeoutMs: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.reconnected.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** One attempt: the reply, or the request's error, or ConnectionLostError if the connection drops first. */
  private async attempt(subject: string, body: string, timeout: number) {
    let end!: (e: Error) => void;
    const lost = new Promise<never>((_, reject) => (end = reject));
    this.waiting.add(end);
    try {
      return await Promise.race([this.nc.request(subject, body, { timeout }), lost]);
    } finally {
      this.waiting.delete(end);
    }
  }

  async request<K extends CommandKey>(name: K, request: CommandRequest<K>, opts: RequestOptions = {}): Promise<CommandReply<K>> {
    const timeout = opts.timeoutMs ?? 10_000;
    const attempts = 1 + (opts.retries ?? 2);
    const subject = this.subjects.command(name);
    const body = JSON.stringify(request);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await this.untilConnected(timeout);
        const msg = await this.attempt(subject, body, timeout);
        const reply = msg.json<Reply<CommandReply<K>>>();
        if (reply.ok) return reply.data;
        throw new MarshalError(reply.error.code as MarshalError['code'], reply.error.message, reply.error.details);
      } catch (e) {
        if (isMarshalError(e)) throw e;
        lastError = e;
        const retryable =
          e instanceof TimeoutError || e instanceof ConnectionLostError || e instanceof NoRespondersError || (e instanceof RequestError && e.isNoResponders());
        if (!retryable || attempt === attempts) break;
        await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? 250 * attempt));
      }
    }
    if (lastError instanceof TimeoutError) throw new MarshalError('TIMEOUT', `${name}: no reply within ${timeout} ms`);
    if (lastError instanceof NoRespondersError || (lastError instanceof RequestError && lastError.isNoResponders())) {
      throw new MarshalError('UNAVAILABLE', `${name}: no service is answering`);
    }
    throw new MarshalError('UNAVAILABLE', `${name}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }

  /** Serves a command; the queue group spreads requests over a service's instances. */
  handle<K extends CommandKey>(name: K, queue: string, handler: CommandHandler<K>): NatsSubscription {
    const sub = this.nc.subscribe(this.subjects.command(name), { queue });
    void (async () => {
      for await (const msg of sub) {
        void this.serve(name, handler, msg.data, (payload) => msg.respond(payload));
      }
    })();
    return sub;
  }

  private async serve<K extends CommandKey>(name: K, handler: CommandHandler<K>, data: Uint8Array, respond: (payload: string) => void): Promise<void> {
    let request: CommandRequest<K>;
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(data).toString('utf8'));
      } catch {
        throw new MarshalError('INVALID_ARGUMENT', `${name}: request is not valid JSON`);
      }
      request = validateCommand(name, parsed);
    } catch (e) {
      respond((await this.run(name, () => Promise.reject(e))).payload);
      return;
    }
    const commandId = QUERY_COMMANDS.has(name) ? undefined : (request as { meta: { commandId: string } }).meta.commandId;
    if (!commandId) {
      respond((await this.run(name, () => handler(request))).payload);
      return;
    }
    const cached = this.replies.get(commandId);
    if (cached) {
      respond(cached.payload);
      return;
    }
    // A retry of a command still running (its first reply was lost with the connection) waits for that run.
    let running = this.running.get(commandId);
    if (!running) {
      running = this.run(name, () => handler(request)).then((r) => {
        // Only transient failures may be retried for a different answer; everything else is remembered.
        if (!r.transient) this.remember(commandId, r.payload);
        return r;
      });
      this.running.set(commandId, running);
      void running.finally(() => this.running.delete(commandId));
    }
    respond((await running).payload);
  }

  /** Runs a handler into the reply's payload; `transient`: a failure worth retrying for another answer. */
  private async run(name: CommandKey, fn: () => Promise<unknown>): Promise<{ payload: string; transient: boolean }> {
    try {
      return { payload: JSON.stringify({ ok: true, data: await fn() } satisfies Reply<unknown>), transient: false };
    } catch (e) {
      const err = isMarshalError(e) ? e : new MarshalError('INTERNAL', e instanceof Error ? e.message : String(e));
      if (!isMarshalError(e)) this.log.error({ err: e, command: name }, 'command handler failed');
      const transient = err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT' || err.code === 'INTERNAL' || err.code === 'CONFLICT';
      return { payload: JSON.stringify({ ok: false, error: err.toJSON() } satisfies Reply<unknown>), transient };
    }
  }

  private remember(commandId: string, payload: string): void {
    const now = Date.now();
    this.replies.set(commandId, { at: now, payload });
    if (this.replies.size > 2_000) {
      for (const [id, r] of this.replies) {
        if (now - r.at > 120_000 || this.replies.size > 2_000) this.replies.delete(id);
        else break;
      }
    }
  }
}
