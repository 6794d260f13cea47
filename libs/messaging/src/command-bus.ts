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
   * Further attempts after a timeout or when nobody answers yet (a service restarting). Safe because every command
   * carries its id and handlers are idempotent on it.
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
export class CommandBus {
  /** Replies by command id, so a retried command gets the answer of its first run instead of running twice. */
  private readonly replies = new Map<string, CachedReply>();

  constructor(
    readonly nc: NatsConnection,
    readonly subjects: Subjects,
    private readonly log: Logger = silentLogger,
  ) {}

  async request<K extends CommandKey>(name: K, request: CommandRequest<K>, opts: RequestOptions = {}): Promise<CommandReply<K>> {
    const timeout = opts.timeoutMs ?? 10_000;
    const attempts = 1 + (opts.retries ?? 2);
    const subject = this.subjects.command(name);
    const body = JSON.stringify(request);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const msg = await this.nc.request(subject, body, { timeout });
        const reply = msg.json<Reply<CommandReply<K>>>();
        if (reply.ok) return reply.data;
        throw new MarshalError(reply.error.code as MarshalError['code'], reply.error.message, reply.error.details);
      } catch (e) {
        if (isMarshalError(e)) throw e;
        lastError = e;
        const retryable = e instanceof TimeoutError || e instanceof NoRespondersError || (e instanceof RequestError && e.isNoResponders());
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
    let commandId: string | undefined;
    let payload: string;
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(data).toString('utf8'));
      } catch {
        throw new MarshalError('INVALID_ARGUMENT', `${name}: request is not valid JSON`);
      }
      const request = validateCommand(name, parsed);
      if (!QUERY_COMMANDS.has(name)) commandId = (request as { meta: { commandId: string } }).meta.commandId;
      const cached = commandId ? this.replies.get(commandId) : undefined;
      if (cached) {
        respond(cached.payload);
        return;
      }
      const result = await handler(request);
      payload = JSON.stringify({ ok: true, data: result } satisfies Reply<unknown>);
    } catch (e) {
      const err = isMarshalError(e) ? e : new MarshalError('INTERNAL', e instanceof Error ? e.message : String(e));
      if (!isMarshalError(e)) this.log.error({ err: e, command: name }, 'command handler failed');
      payload = JSON.stringify({ ok: false, error: err.toJSON() } satisfies Reply<unknown>);
      // Only transient failures may be retried for a different answer; everything else is remembered.
      if (err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT' || err.code === 'INTERNAL' || err.code === 'CONFLICT') commandId = undefined;
    }
    if (commandId) this.remember(commandId, payload);
    respond(payload);
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
