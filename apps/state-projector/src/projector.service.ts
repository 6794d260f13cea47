import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { makeEvent, type CommandReply, type CommandRequest, type EventMeta, type MarshalEvent, type Recorded } from '@marshal/contracts';
import type { Subscription } from '@marshal/messaging';
import { activateGeneration, buildDeferredIndexes, createGeneration, listGenerations, type Generation } from '@marshal/persistence';
import { SERVICE_CONTEXT, newId, systemClock, type ServiceContext } from '@marshal/runtime';
import { ProjectionWorker, type Flushed } from './projection-worker';
import { ProjectorMetrics } from './projector.metrics';

export const DATA_SOURCE = 'DATA_SOURCE';
/** Where the live worker starts: the active generation and its checkpoint, read before the consumer starts. */
export const PROJECTOR_START = 'PROJECTOR_START';
export interface ProjectorStart {
  active: Generation;
  checkpoint: number;
}

type ProjectorContext = ServiceContext<{ PROJECTOR_BATCH_SIZE: number; PROJECTOR_REBUILD_BATCH_SIZE: number; EVENT_MAX_ATTEMPTS: number; EVENT_RETRY_DELAY_MS: number }>;

/**
 * The live consumer delivers each sequence once, in order: one it already holds is an admin's retry of an event it
 * parked. The read models apply events in log order only (a checkpoint, exactly once), so that is refused with what to
 * do instead; the retry records it as failed.
 */
function refuseOutOfOrder(worker: ProjectionWorker, rec: Recorded<MarshalEvent>): void {
  if (worker.isBehind(rec.seq)) {
    throw new Error(
      `the read models are past sequence ${rec.seq}: an event they skipped is applied by rebuilding them with the fix (POST /v1/admin/rebuild-projections); a rebuild that applies it unparks it`,
    );
  }
}

/** Lineage of a rebuild: the command that asked for it, and the event that recorded it. */
interface RebuildLineage {
  correlationId: string;
  startedEventId: string | null;
}

interface Rebuild {
  generation: Generation;
  worker: ProjectionWorker;
  sub?: Subscription;
  startedAt: number;
  events: number;
  lineage: RebuildLineage;
  activating: boolean;
  done: boolean;
}

/**
 * Keeps the read models in step with the log. The live worker applies the transport's ordered stream to the active
 * generation in batches (checkpoint in the same transaction); after each flush the new checkpoint is announced on
 * core NATS for read-your-writes and live views. A rebuild follows the log from sequence 1 into a new generation on
 * a second ordered consumer, and switches the queries to it once it has caught up; a rebuild interrupted by a crash
 * resumes from its own checkpoint at the next start.
 */
@Injectable()
export class ProjectorService {
  readonly metrics = new ProjectorMetrics();
  private readonly live: ProjectionWorker;
  private active: Generation;
  private head = 0;
  private rebuild?: Rebuild;
  /** Records an event PostgreSQL refuses as parked by the live consumer (set once the transport listens). */
  private parkLive?: (rec: Recorded<MarshalEvent>, error: unknown, attempts: number) => Promise<boolean>;

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ProjectorContext,
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(PROJECTOR_START) { active, checkpoint }: ProjectorStart,
  ) {
    this.active = active;
    this.live = new ProjectionWorker(
      this.ds,
      this.ctx.subjects,
      {
        batchSize: this.ctx.config.PROJECTOR_BATCH_SIZE,
        log: this.ctx.log,
        onFlushed: (f) => this.liveFlushed(f),
        maxAttempts: this.ctx.config.EVENT_MAX_ATTEMPTS,
        retryDelayMs: this.ctx.config.EVENT_RETRY_DELAY_MS,
        park: async (rec, e, attempts) => (this.parkLive ? this.parkLive(rec, e, attempts) : false),
      },
      checkpoint,
    );
    this.metrics.generation.set({ role: 'active' }, active.id);
    this.metrics.position(checkpoint, checkpoint);
  }

  get position(): number {
    return this.live.position;
  }

  /** Where the live worker parks what PostgreSQL refuses: the transport's consumer (main.ts sets it). */
  useParking(park: (rec: Recorded<MarshalEvent>, error: unknown, attempts: number) => Promise<boolean>): void {
    this.parkLive = park;
  }

  onEvent(rec: Recorded<MarshalEvent>, pending: number): Promise<void> {
    this.head = Math.max(this.head, rec.seq + pending);
    refuseOutOfOrder(this.live, rec);
    return this.live.onEvent(rec, pending);
  }

  private liveFlushed(f: Flushed): void {
    this.record('active', f);
    this.metrics.position(this.head, f.checkpoint);
    this.ctx.nc.publish(this.ctx.subjects.projectorProgress, JSON.stringify({ seq: f.checkpoint }));
    this.ctx.log.debug({ seq: f.checkpoint, events: f.events }, 'projected');
  }

  private record(role: 'active' | 'building', f: Flushed): void {
    this.metrics.events.inc({ role }, f.events);
    this.metrics.batches.observe({ role }, f.seconds);
    if (role === 'building') this.metrics.checkpoint.set({ role }, f.checkpoint);
  }

  /** Reads the log's head (the live consumer only learns it when events arrive). */
  async refreshHead(): Promise<void> {
    this.head = Math.max(this.head, await this.ctx.store.headSeq());
    this.metrics.position(this.head, this.live.position);
  }

  async health(): Promise<Record<string, unknown>> {
    // The head is for the report only: a NATS hiccup leaves the last one known, said in the log.
    await this.refreshHead().catch((e: unknown) => this.ctx.log.warn({ err: e }, 'could not read the stream head for the health report'));
    const r = this.rebuild && !this.rebuild.done ? this.rebuild : undefined;
    return {
      checkpoint: this.live.position,
      head: this.head,
      lag: Math.max(0, this.head - this.live.position),
      generation: this.active.id,
      rebuild: r ? { generation: r.generation.id, checkpoint: r.worker.position, events: r.events } : null,
    };
  }

  private meta(correlationId: string, causationId: string | null, actor: string, id = newId()): EventMeta {
    return { id, at: systemClock.now(), correlationId, causationId, actor };
  }

  /** `projector.rebuild`: starts a rebuild (or answers with the one running) and records who asked. */
  async requestRebuild(req: CommandRequest<'projector.rebuild'>): Promise<CommandReply<'projector.rebuild'>> {
    const headSeq = await this.ctx.store.headSeq();
    const { generation, created } = await createGeneration(this.ds, req.meta.actor);
    if (!created) {
      if (!this.rebuild || this.rebuild.generation.id !== generation.id) await this.resumeRebuild();
      return { generation: generation.id, started: false, headSeq, seq: 0 };
    }
    const started = makeEvent('ProjectionRebuildStarted', 'system:projections', { generation: generation.id, headSeq }, this.meta(req.meta.correlationId, req.meta.commandId, req.meta.actor));
    const { seq } = await this.ctx.store.append(this.ctx.subjects.projections, started, { msgId: `${req.meta.commandId}:rebuild-started` });
    this.ctx.log.info({ generation: generation.id, actor: req.meta.actor, headSeq }, 'rebuilding the read models');
    this.follow(generation, { correlationId: req.meta.correlationId, startedEventId: started.id });
    return { generation: generation.id, started: true, headSeq, seq };
  }

  /** At start: carries on with a rebuild a previous run left unfinished. */
  async resumeRebuild(): Promise<void> {
    const building = (await listGenerations(this.ds)).find((g) => g.state === 'building');
    if (!building || this.rebuild?.generation.id === building.id) return;
    const history = await this.ctx.store.readAll(this.ctx.subjects.projections);
    const started = history.reverse().find((r) => r.event.type === 'ProjectionRebuildStarted' && r.event.data.generation === building.id);
    this.ctx.log.info({ generation: building.id, checkpoint: building.checkpoint }, 'resuming an unfinished rebuild of the read models');
    this.follow(building, {
      correlationId: started?.event.correlationId ?? `rebuild:${building.id}`,
      startedEventId: started?.event.id ?? null,
    }, building.checkpoint);
  }

  private follow(generation: Generation, lineage: RebuildLineage, from = 0): void {
    const r = { generation, startedAt: Date.now(), events: 0, lineage, activating: false, done: false } as Rebuild;
    r.worker = new ProjectionWorker(
      this.ds,
      this.ctx.subjects,
      {
        batchSize: this.ctx.config.PROJECTOR_REBUILD_BATCH_SIZE,
        generation: generation.id,
        log: this.ctx.log,
        maxAttempts: this.ctx.config.EVENT_MAX_ATTEMPTS,
        retryDelayMs: this.ctx.config.EVENT_RETRY_DELAY_MS,
        park: async (rec, e, attempts) => (r.sub ? r.sub.park(rec, e, attempts) : false),
        onFlushed: async (f) => {
          r.events += f.events;
          this.record('building', f);
          // Worth a try once it holds as much as the live generation; activation checks against the database.
          if (f.caughtUp || f.checkpoint >= this.live.position) await this.tryActivate(r);
        },
      },
      from,
    );
    this.rebuild = r;
    this.metrics.generation.set({ role: 'building' }, generation.id);
    r.sub = this.ctx.store.follow(
      this.ctx.subjects.allEvents,
      async (rec, { pending }) => {
        if (r.done) return;
        refuseOutOfOrder(r.worker, rec);
        await r.worker.onEvent(rec, pending);
      },
      {
        fromSeq: from + 1,
        log: this.ctx.log,
        // A rebuild parks what the live consumer parks, under the same name: one entry per event, retried by both.
        poison: { consumer: this.ctx.service, maxAttempts: this.ctx.config.EVENT_MAX_ATTEMPTS, retryDelayMs: this.ctx.config.EVENT_RETRY_DELAY_MS },
      },
    );
    // An empty log (or one the generation already holds) delivers nothing to react to.
    void r.sub.caughtUp
      .then(() => r.worker.drain())
      .then(() => this.tryActivate(r))
      .catch((e) => this.ctx.log.error({ err: e }, 'could not switch to the rebuilt read models'));
  }

  private async tryActivate(r: Rebuild): Promise<void> {
    if (r.done || r.activating) return;
    r.activating = true;
    try {
      const built = await buildDeferredIndexes(this.ds, r.generation.id);
      if (built) this.ctx.log.info({ generation: r.generation.id, indexes: built }, 'built the indexes deferred while rebuilding');
      const result = await activateGeneration(this.ds, r.generation.id);
      if (!result.activated) {
        this.ctx.log.debug({ generation: r.generation.id, reason: result.reason }, 'rebuilt read models not ready to take over');
        if (result.final) r.done = true;
        return;
      }
      r.done = true;
      this.active = result.generation;
      this.metrics.generation.set({ role: 'active' }, result.generation.id);
      this.metrics.generation.remove({ role: 'building' });
      this.metrics.checkpoint.remove({ role: 'building' });
      // Stopping waits for the handler and the flush that called this to return.
      setImmediate(() => void r.sub?.stop().then(() => r.worker.stop()));
      const seconds = (Date.now() - r.startedAt) / 1000;
      const completed = makeEvent(
        'ProjectionRebuildCompleted',
        'system:projections',
        { generation: r.generation.id, retiredGeneration: result.retired?.id ?? null, checkpoint: r.worker.position, events: r.events, seconds },
        this.meta(r.lineage.correlationId, r.lineage.startedEventId, 'service:state-projector'),
      );
      await this.ctx.store.append(this.ctx.subjects.projections, completed, { msgId: `rebuild-completed:${r.generation.id}` });
      this.ctx.log.info({ generation: r.generation.id, retired: result.retired?.id, events: r.events, seconds }, 'switched to the rebuilt read models');
    } finally {
      r.activating = false;
    }
  }

  async stop(): Promise<void> {
    await this.rebuild?.sub?.stop();
    await this.rebuild?.worker.stop();
    await this.live.stop();
  }
}
