import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Ensemble,
  createTestDatabase,
  startNatsServer,
  startPostgresServer,
  type AgentSpec,
  type EnsembleOptions,
  type NatsServerHandle,
  type PostgresServerHandle,
  type TestDatabase,
} from '@marshal/testing';

export const root = join(__dirname, '..', '..', '..');

/** A private ensemble for a benchmark: own nats-server, a fresh database (embedded PostgreSQL unless DATABASE_URL). */
export interface BenchCluster {
  ensemble: Ensemble;
  nats: NatsServerHandle;
  stop(): Promise<void>;
}

export async function startBenchCluster(agents: AgentSpec[], extra: Partial<EnsembleOptions> = {}): Promise<BenchCluster> {
  const nats = await startNatsServer({ auth: process.env['BENCH_NATS_AUTH'] !== 'off' });
  let pg: PostgresServerHandle | undefined;
  if (!process.env['DATABASE_URL']) {
    pg = await startPostgresServer();
    process.env['MARSHAL_TEST_DATABASE_URL'] = pg.url;
  }
  const db: TestDatabase = await createTestDatabase();
  const ensemble = await Ensemble.start({
    root,
    natsUrl: nats.url,
    databaseUrl: db.url,
    namespace: `bench-${Date.now().toString(36)}`,
    stateDir: mkdtempSync(join(tmpdir(), 'marshal-bench-')),
    agents,
    env: { LOG_LEVEL: 'warn' },
    ...extra,
    natsAuth: nats.auth ?? 'env',
  });
  return {
    ensemble,
    nats,
    async stop() {
      await ensemble.stop();
      await db.drop();
      await nats.stop();
      await pg?.stop();
    },
  };
}
