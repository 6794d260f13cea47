import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  Ensemble,
  createTestDatabase,
  eventually,
  startNatsServer,
  startPostgresServer,
  type AgentSpec,
  type EnsembleOptions,
  type NatsServerHandle,
  type PostgresServerHandle,
  type TestDatabase,
} from '@marshal/testing';

export const root = join(__dirname, '..', '..');
const run = promisify(execFile);

export interface Cluster {
  ensemble: Ensemble;
  nats: NatsServerHandle;
  db: TestDatabase;
  /** The cluster's own PostgreSQL server, when started with `ownPostgres` (else the database is on the shared one). */
  pg?: PostgresServerHandle;
  stateDir: string;
  namespace: string;
  /** Runs the real `marshal` CLI against this cluster. */
  cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }>;
  /** GET as the viewer; `fresh` sends `Cache-Control: no-cache` so the gateway reads the database, not its cache. */
  get<T = unknown>(path: string, opts?: { fresh?: boolean }): Promise<{ status: number; body: T }>;
  /** Polls GET /v1/plans/<plan> of a service until its status is the one wanted. */
  waitForPlan(service: string, plan: string, status: string, timeoutMs?: number): Promise<PlanBody>;
  stop(): Promise<void>;
}

export interface PlanBody {
  status: string;
  strategy: string;
  errors: string[];
  phases: { id: string; name: string; strategy: string; status: string; steps: { id: string; name: string; status: string; message: string }[] }[];
}

/** A whole ensemble of real processes on its own nats-server and database. */
export async function startCluster(
  agents: AgentSpec[],
  opts: { evaluators?: number; env?: Record<string, string>; serviceEnv?: EnsembleOptions['serviceEnv']; ownPostgres?: boolean; readyTimeoutMs?: number } = {},
): Promise<Cluster> {
  const nats = await startNatsServer();
  const pg = opts.ownPostgres ? await startPostgresServer() : undefined;
  const db = await createTestDatabase(pg?.url);
  const stateDir = mkdtempSync(join(tmpdir(), 'marshal-e2e-'));
  const namespace = `e2e-${Date.now().toString(36)}`;
  const ensemble = await Ensemble.start({
    root,
    natsUrl: nats.url,
    databaseUrl: db.url,
    namespace,
    stateDir,
    agents,
    evaluators: opts.evaluators,
    readyTimeoutMs: opts.readyTimeoutMs,
    env: { LOG_LEVEL: 'info', ...opts.env },
    serviceEnv: { ...opts.serviceEnv, coordinator: { AGENT_TIMEOUT_MS: '5000', ...opts.serviceEnv?.coordinator } },
  });
  const cluster: Cluster = {
    ensemble,
    nats,
    db,
    pg,
    stateDir,
    namespace,
    async cli(...args) {
      try {
        const { stdout, stderr } = await run(process.execPath, [join(root, 'apps', 'cli', 'dist', 'main.js'), '--url', ensemble.gatewayUrl, ...args], {
          env: { ...process.env, MARSHAL_URL: '', MARSHAL_TOKEN: ensemble.tokens.admin },
        });
        return { stdout, stderr, code: 0 };
      } catch (e) {
        const err = e as { stdout: string; stderr: string; code: number };
        return { stdout: err.stdout, stderr: err.stderr, code: err.code };
      }
    },
    async get<T>(path: string, opts: { fresh?: boolean } = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${ensemble.tokens.viewer}` };
      if (opts.fresh) headers['cache-control'] = 'no-cache';
      const res = await fetch(`${ensemble.gatewayUrl}${path}`, { headers });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* text body */
      }
      return { status: res.status, body: body as T };
    },
    async waitForPlan(service, plan, status, timeoutMs = 60_000) {
      return eventually(
        async () => {
          const r = await cluster.get<PlanBody>(`/v1/service/${encodeURIComponent(service)}/plans/${plan}`);
          if (typeof r.body !== 'object' || r.body.status !== status) throw new Error(`plan ${plan} is ${JSON.stringify(r.body).slice(0, 600)}`);
          return r.body;
        },
        { timeoutMs, intervalMs: 250, what: `${service} ${plan} ${status}` },
      );
    },
    async stop() {
      await ensemble.stop();
      await nats.stop();
      if (pg) await pg.stop();
      else await db.drop();
    },
  };
  return cluster;
}
