import { Inject, Injectable } from '@nestjs/common';
import { MarshalError } from '@marshal/contracts';
import { ReadModelQueries } from '@marshal/persistence';
import { APP_CONFIG } from '@marshal/runtime';
import { ReadModelCache } from './read-model-cache';

/**
 * Which service a request acts on: the `:service` of `/v1/service/<svc>/…` and `/v1/multi/<svc>/…`, else the
 * configured default, else the only installed service.
 */
@Injectable()
export class ServiceResolver {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly cache: ReadModelCache,
    @Inject(APP_CONFIG) private readonly config: { DEFAULT_SERVICE: string; FINISHED_SERVICE_RETENTION_S: number },
  ) {}

  /**
   * Uninstalled services whose record is still served: removed less than FINISHED_SERVICE_RETENTION_S ago (reference
   * §3.6: in uninstall mode the scheduler served its plans until it was torn down; a client polling the uninstall plan
   * sees it COMPLETE).
   */
  private async finished(): Promise<string[]> {
    const removed = await this.cache.get('removed-services', () => this.queries.removedServices());
    const since = Date.now() - this.config.FINISHED_SERVICE_RETENTION_S * 1000;
    return removed.filter((s) => Date.parse(s.removedAt) > since).map((s) => s.name);
  }

  /**
   * The service a read of plans acts on: an installed one, or an uninstalled one whose final plans are still kept
   * (read-only: commands resolve with `resolve` and find no such service).
   */
  async resolveWithFinished(fromPath: string | undefined): Promise<string> {
    try {
      return await this.resolve(fromPath);
    } catch (e) {
      if (!(e instanceof MarshalError) || e.code !== 'NOT_FOUND') throw e;
      const finished = await this.finished();
      if (fromPath ?? this.config.DEFAULT_SERVICE) {
        const name = fromPath ?? this.config.DEFAULT_SERVICE;
        if (finished.includes(name)) return name;
      } else if (finished.length === 1) {
        return finished[0];
      }
      throw e;
    }
  }

  /** The installed services, read once per change of the read models (every request resolves its service). */
  private services(): Promise<{ name: string }[]> {
    return this.cache.get('services', () => this.queries.services());
  }

  async resolve(fromPath: string | undefined): Promise<string> {
    if (fromPath) {
      if (!(await this.services()).some((s) => s.name === fromPath)) throw new MarshalError('NOT_FOUND', `Service ${fromPath} not found`);
      return fromPath;
    }
    if (this.config.DEFAULT_SERVICE) return this.config.DEFAULT_SERVICE;
    const all = await this.services();
    if (all.length === 1) return all[0].name;
    if (all.length === 0) throw new MarshalError('NOT_FOUND', 'No service is installed');
    throw new MarshalError(
      'INVALID_ARGUMENT',
      `Several services are installed (${all.map((s) => s.name).join(', ')}): use /v1/service/<name>/… or set DEFAULT_SERVICE`,
    );
  }
}
