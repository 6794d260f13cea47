import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { BaseRpcContext, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { Counter, register, type Registry } from 'prom-client';
import { lastValueFrom, throwError, type Observable } from 'rxjs';
import { COMMANDS, type CommandKey, type MarshalEvent, type Recorded } from '@marshal/contracts';
import type { CommandBus } from './command-bus';
import type { EventStore, Subscription } from './event-store';
import { silentLogger, type Logger } from './logger';
import type { PoisonListener, PoisonPolicy } from './parked-events';

/** Where a service's `@EventPattern` handlers get their events from. */
export type EventSource =
  | {
      /** Follows the log in order from a sequence the service chooses (its checkpoint, or 1 to rebuild its state). */
      kind: 'ordered';
      filter: string;
      fromSeq: () => Promise<number>;
    }
  | {
      /** A named durable consumer shared by every instance of the service (at-least-once, work spread). */
      kind: 'durable';
      name: string;
      filter: string;
    };

export interface JetStreamTransportOptions {
  store: EventStore;
  bus: CommandBus;
  /** Queue group for this service's command handlers. */
  queue: string;
  sources: EventSource[];
  log?: Logger;
  /** Where the transport's metrics are registered (default: prom-client's global registry). */
  registry?: Registry;
  /**
   * Bounded retries and parking of events the handlers cannot apply (docs/architecture.md, poison events); the
   * consumer parks under the queue name. Without it a failing handler is retried until it succeeds.
   */
  poison?: Omit<PoisonPolicy, 'consumer' | 'registry'>;
}

/** Name of the counter of events a source delivered that no `@EventPattern` handler was bound to, by event type. */
export const UNHANDLED_EVENTS_METRIC = 'marshal_events_unhandled_total';

/** One counter per registry, shared by every transport registered there (a process may run several). */
function unhandledCounter(registry: Registry): Counter<'type'> {
  const existing = registry.getSingleMetric(UNHANDLED_EVENTS_METRIC);
  if (existing) return existing as Counter<'type'>;
  return new Counter({
    name: UNHANDLED_EVENTS_METRIC,
    help: 'Events delivered by a source of the service with no @EventPattern handler bound for their type',
    labelNames: ['type'],
    registers: [registry],
  });
}

/** The context of an event handler: the recorded event and how many events of its source were still pending. */
export class JetStreamContext extends BaseRpcContext<[Recorded<MarshalEvent>, number]> {
  getRecorded(): Recorded<MarshalEvent> {
    return this.args[0];
  }
  /** 0 means the source has caught up with the log. */
  getPending(): number {
    return this.args[1];
  }
}

/** Pattern for a handler that wants every event of its sources. */
export const ALL_EVENTS = '*';

/**
 * Nest transport over JetStream and core NATS: `@EventPattern('<EventType>')` handlers receive recorded events of
 * the configured sources one at a time in log order (the next is delivered after the handler settles);
 * `@MessagePattern('<command>')` handlers serve request/reply commands of the catalogue.
 */
export class JetStreamTransport extends Server implements CustomTransportStrategy {
  private readonly subscriptions: Subscription[] = [];
  private readonly natsSubs: { unsubscribe(): void }[] = [];
  private readonly log: Logger;
  private readonly unhandled: Counter<'type'>;
  /** Event types already logged as unhandled: one warning per type, however many events follow. */
  private readonly reportedUnhandled = new Set<string>();
  private poisonListener: PoisonListener = {};

  constructor(private readonly options: JetStreamTransportOptions) {
    super();
    this.log = options.log ?? silentLogger;
    this.unhandled = unhandledCounter(options.registry ?? register);
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.messageHandlers) {
        if (handler.isEventHandler) continue;
        if (!Object.prototype.hasOwnProperty.call(COMMANDS, pattern)) {
          throw new Error(`@MessagePattern('${pattern}') is not a command of the catalogue`);
        }
        this.natsSubs.push(
          this.options.bus.handle(pattern as CommandKey, this.options.queue, async (request) => this.invoke(handler, request, undefined)),
        );
      }
      // Nest's pattern lookup normalises the pattern on every call; events of one type always go to one handler.
      const handlers = new Map<string, MessageHandler | undefined>();
      const handlerOf = (type: string): MessageHandler | undefined => {
        if (!handlers.has(type)) handlers.set(type, this.getHandlerByPattern(type) ?? this.getHandlerByPattern(ALL_EVENTS) ?? undefined);
        return handlers.get(type);
      };
      for (const source of this.options.sources) {
        const onEvent = async (rec: Recorded<MarshalEvent>, info: { pending: number }): Promise<void> => {
          const handler = handlerOf(rec.event.type);
          if (!handler) return this.unbound(rec);
          await this.invoke(handler, rec, new JetStreamContext([rec, info.pending]));
        };
        const poison = this.options.poison
          ? { poison: { ...this.options.poison, consumer: this.options.queue, registry: this.options.registry }, poisonListener: this.poisonListener }
          : {};
        const sub =
          source.kind === 'ordered'
            ? this.options.store.follow(source.filter, onEvent, { fromSeq: await source.fromSeq(), log: this.log, ...poison })
            : await this.options.store.durable(source.name, source.filter, onEvent, { log: this.log, ...poison });
        this.subscriptions.push(sub);
      }
      callback();
    } catch (e) {
      callback(e);
    }
  }

  /**
   * An event a source delivered that no handler takes: either the source's filter is wider than the service needs or a
   * handler is missing. Counted every time, logged once per type so a flood of them does not drown the log.
   */
  private unbound(rec: Recorded<MarshalEvent>): void {
    const type = rec.event.type;
    this.unhandled.inc({ type });
    if (this.reportedUnhandled.has(type)) return;
    this.reportedUnhandled.add(type);
    this.log.warn(
      { type, subject: rec.subject, seq: rec.seq, queue: this.options.queue },
      `no @EventPattern handler is bound for ${type} events; they are skipped (counted in ${UNHANDLED_EVENTS_METRIC})`,
    );
  }

  /**
   * Tells `listener` what the sources park (and skip again on a replay) and what they apply after all. Set it before
   * `listen`, so a replay's parked events reach it too.
   */
  onPoison(listener: PoisonListener): void {
    this.poisonListener.parked = listener.parked?.bind(listener);
    this.poisonListener.unparked = listener.unparked?.bind(listener);
  }

  /** Parks an event a handler accepted but the service could not apply later (under the queue name). */
  async park(rec: Recorded<MarshalEvent>, error: unknown, attempts: number): Promise<boolean> {
    for (const s of this.subscriptions) if (await s.park(rec, error, attempts)) return true;
    return false;
  }

  /** Events the sources have parked now: what makes the service's health degraded. */
  parkedCount(): number {
    return this.subscriptions.reduce((n, s) => n + s.parked(), 0);
  }

  /** Resolves when every source has delivered what the log held when listening started. */
  async caughtUp(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.caughtUp));
  }

  private async invoke(handler: MessageHandler, data: unknown, ctx: BaseRpcContext | undefined): Promise<never> {
    const result = (await handler(data, ctx)) as Observable<never> | never;
    return lastValueFrom(this.transformToObservable(result), { defaultValue: undefined as never });
  }

  async close(): Promise<void> {
    for (const s of this.natsSubs) s.unsubscribe();
    await Promise.all(this.subscriptions.map((s) => s.stop()));
  }

  on(): void {
    throw new Error('JetStreamTransport has no event emitter');
  }

  unwrap<T>(): T {
    return this.options as T;
  }
}

/**
 * Lets domain errors thrown in handlers reach the transport unchanged (Nest's default RPC filter would turn them
 * into a generic "Internal server error"), so commands answer with their code and message.
 */
@Catch()
export class PassThroughRpcFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
