import { DataSource } from 'typeorm';
import { READ_MODEL_ENTITIES } from './entities/read-models';

export interface DataSourceOptions {
  url: string;
  /** Pool size; the pg default has no acquisition timeout, so set one (toolchain §4). */
  poolSize?: number;
  /** Build the schema from the entities — tests only, never in a service (no `synchronize` outside tests). */
  synchronizeForTests?: boolean;
  applicationName?: string;
  /** PostgreSQL cancels a statement running longer than this (`statement_timeout`); unset: no limit. */
  statementTimeoutMs?: number;
}

/** Longest a query waits for a free connection of the pool before failing (then answered as unavailable). */
export const POOL_ACQUIRE_TIMEOUT_MS = 10_000;

export function createDataSource(o: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: o.url,
    entities: READ_MODEL_ENTITIES,
    synchronize: o.synchronizeForTests ?? false,
    applicationName: o.applicationName ?? 'marshal',
    extra: {
      max: o.poolSize ?? 10,
      connectionTimeoutMillis: POOL_ACQUIRE_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      ...(o.statementTimeoutMs !== undefined ? { statement_timeout: o.statementTimeoutMs } : {}),
    },
    logging: false,
  });
}

/** Connects, retrying while PostgreSQL is not reachable yet (a service may start first). */
export async function connectDataSource(o: DataSourceOptions, onRetry?: (e: unknown) => void): Promise<DataSource> {
  for (let attempt = 1; ; attempt++) {
    const ds = createDataSource(o);
    try {
      await ds.initialize();
      return ds;
    } catch (e) {
      onRetry?.(e);
      // A data source that never connected may still hold a half-made pool; failing to close it is said, not hidden.
      if (ds.isInitialized) await ds.destroy().catch((closeError: unknown) => onRetry?.(closeError));
      await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * attempt)));
    }
  }
}
