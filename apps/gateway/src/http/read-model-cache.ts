import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProjectorProgress } from './projector-progress';

/** More keys than this (e.g. a client asking for many plans that do not exist) and the cache starts over. */
const MAX_ENTRIES = 1_000;

/**
 * Answers computed from the read models, kept until the read models move: each entry is stamped with the projector's
 * checkpoint when its load started and is valid while that is still the checkpoint the gateway knows. A load started
 * at checkpoint S reads a database at S or later, so an entry is never older than its stamp; the next checkpoint
 * announced drops it, and so does a reset of the read models. Concurrent requests for the same key share one load.
 * A request with `Cache-Control: no-cache` reads the database (see `bypass`).
 */
@Injectable()
export class ReadModelCache implements OnModuleDestroy {
  private entries = new Map<string, { seq: number; value: Promise<unknown> }>();
  private readonly onProgress = (): void => this.clear();

  constructor(private readonly progress: ProjectorProgress) {
    progress.on('progress', this.onProgress);
    progress.on('reset', this.onProgress);
  }

  /** `Cache-Control: no-cache` (RFC 9111 §5.2.1.4): the client wants an answer read now, not a stored one. */
  static bypass(req: FastifyRequest): boolean {
    const cc = req.headers['cache-control'];
    return /(^|,)\s*no-cache\s*(,|$)/i.test(Array.isArray(cc) ? cc.join(',') : (cc ?? ''));
  }

  get<T>(key: string, load: () => Promise<T>, fresh = false): Promise<T> {
    if (fresh) return load();
    const seq = this.progress.current;
    const hit = this.entries.get(key);
    if (hit && hit.seq === seq) return hit.value as Promise<T>;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const value = load();
    const entry = { seq, value };
    this.entries.set(key, entry);
    // A failed load is not remembered.
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.entries = new Map();
  }

  onModuleDestroy(): void {
    this.progress.off('progress', this.onProgress);
    this.progress.off('reset', this.onProgress);
  }
}
