import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { MarshalError } from '@marshal/contracts';
import { APP_CONFIG } from '@marshal/runtime';
import { callerOf } from '../auth/auth.guard';

/**
 * What one client (one token) may hold open at once. A long poll (`GET /v1/events?wait=`, a read waiting for `?seq=`)
 * and a live stream hold a connection for long; a time-travel read (`?at=`) folds a service's history and holds a
 * database connection while it reads. Above its bound a client gets 429 at once, so one client cannot take the
 * database pool or the event loop from the others (docs/operations.md "Bounds").
 */
export type HeldKind = 'stream' | 'longPoll' | 'timeTravel';

export interface ClientLimitSettings {
  MAX_STREAMS_PER_TOKEN: number;
  MAX_LONG_POLLS_PER_TOKEN: number;
  MAX_TIME_TRAVEL_READS_PER_TOKEN: number;
  /** Time-travel reads running at once over all clients; the others wait their turn (each client within its bound). */
  MAX_TIME_TRAVEL_READS?: number;
}

/** At most `max` functions run at once; the others wait in arrival order. */
export class Turns {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      // The turn passes straight to the next in line, or is given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}

const SETTING: Record<HeldKind, 'MAX_STREAMS_PER_TOKEN' | 'MAX_LONG_POLLS_PER_TOKEN' | 'MAX_TIME_TRAVEL_READS_PER_TOKEN'> = {
  stream: 'MAX_STREAMS_PER_TOKEN',
  longPoll: 'MAX_LONG_POLLS_PER_TOKEN',
  timeTravel: 'MAX_TIME_TRAVEL_READS_PER_TOKEN',
};

const WHAT: Record<HeldKind, string> = {
  stream: 'live streams (GET /v1/stream)',
  longPoll: 'waiting reads (?wait=, ?seq=)',
  timeTravel: 'time-travel reads (?at=)',
};

/** Counts what each client holds; `hold` refuses above the bound, `release` (the function it returns) gives it back. */
export class HeldCounts {
  private readonly held = new Map<string, number>();

  constructor(private readonly limits: ClientLimitSettings) {}

  hold(kind: HeldKind, client: string): () => void {
    const key = `${kind}\u0000${client}`;
    const now = this.held.get(key) ?? 0;
    const max = this.limits[SETTING[kind]];
    if (now >= max) {
      throw new MarshalError('RESOURCE_EXHAUSTED', `too many concurrent ${WHAT[kind]} for ${client}: at most ${max} at once (${SETTING[kind]}); retry when one has finished`, [
        { path: '/', message: `${now} of ${max} ${WHAT[kind]} in use` },
      ]);
    }
    this.held.set(key, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left <= 0) this.held.delete(key);
      else this.held.set(key, left);
    };
  }

  /** How many of `kind` a client holds now. */
  count(kind: HeldKind, client: string): number {
    return this.held.get(`${kind}\u0000${client}`) ?? 0;
  }
}

@Injectable()
export class ClientLimits {
  private readonly counts: HeldCounts;
  /**
   * A time-travel read folds a service's history in memory, on the event loop every request shares: few run at once,
   * so ordinary reads of every client keep being served between them.
   */
  private readonly timeTravelTurns: Turns;

  constructor(@Inject(APP_CONFIG) config: ClientLimitSettings) {
    this.counts = new HeldCounts(config);
    this.timeTravelTurns = new Turns(config.MAX_TIME_TRAVEL_READS ?? 2);
  }

  /** Runs a time-travel read: one of the caller's MAX_TIME_TRAVEL_READS_PER_TOKEN (429 above it), in its turn. */
  timeTravel<T>(req: FastifyRequest, fn: () => Promise<T>): Promise<T> {
    return this.with('timeTravel', req, () => this.timeTravelTurns.run(fn));
  }

  /** Holds one `kind` for the request's caller (its token's subject) until `release` is called. */
  hold(kind: HeldKind, req: FastifyRequest): () => void {
    return this.counts.hold(kind, callerOf(req).actor);
  }

  /** Runs `fn` holding one `kind` for the request's caller. */
  async with<T>(kind: HeldKind, req: FastifyRequest, fn: () => Promise<T>): Promise<T> {
    const release = this.hold(kind, req);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
