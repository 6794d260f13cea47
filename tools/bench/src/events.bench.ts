import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { RetentionPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Client } from 'pg';
import { makeEvent, requirementName, subjectsFor, type MarshalEvent, type Subjects } from '@marshal/contracts';
import { CommandBus, EventStore, connectNats } from '@marshal/messaging';
import { auditRow, createDataSource, listGenerations } from '@marshal/persistence';
import { ManagedProcess, createTestDatabase, startNatsServer, startPostgresServer, type PostgresServerHandle } from '@marshal/testing';
import { percentile, round } from './stats';

/**
 * `npm run bench -- events [scale]`: the event log end to end, in one run (docs/architecture.md).
 *
 * - raw_publish_per_s: JetStream async publishes of StepStatusChanged-sized messages to a bare stream (file storage).
 * - raw_insert_per_s: PostgreSQL multi-row inserts (500 rows per statement) of the same events' audit rows into a table
 *   with the audit row's columns and only a primary key (printed too: the same into a table with the audit indexes).
 * - end_to_end_per_s: StepStatusChanged events appended through Marshal's EventStore (validated, de-duplicated) and
 *   projected by the real state-projector process, until the read models include the last one.
 * - projector_per_s: the projector catching up on events appended while it was stopped (from its first batch to the
 *   head, so process start-up is not counted).
 * - lag_p50_ms / lag_p99_ms: at a steady 1,000 events/s, from JetStream's ack of an append to the projector announcing
 *   a checkpoint that includes it.
 * - rebuild_per_s: a rebuild of every read model from sequence 1 (`projector.rebuild`) until the new generation serves.
 *
 * Targets: end to end ≥ 30% of raw publish, projector ≥ 50% of raw insert, lag p99 < 100 ms, rebuild ≥ 20,000/s.
 */
const root = join(__dirname, '..', '..', '..');
const scale = Number(process.argv[2] ?? 1);
const N_RAW = Math.round(50_000 * scale);
const N_E2E = Math.round(30_000 * scale);
const N_CATCHUP = Math.round(30_000 * scale);
const LAG_SECONDS = 10;
const STEPS = 200;
const NS = 'bench';
const SERVICE = 'bench-svc';

const log = (s: string): void => void process.stdout.write(s + '\n');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** The deploy plan the step transitions belong to, so the projector has real rows to update. */
function planGenerated(): MarshalEvent {
  const steps = Array.from({ length: STEPS }, (_, i) => ({ id: `st-${i}`, name: requirementName({ podType: 'hello', podIndex: i, tasks: ['server'] }) }));
  return makeEvent(
    'PlanGenerated',
    `service:${SERVICE}`,
    {
      service: SERVICE,
      configId: 'cfg-1',
      order: 0,
      model: {
        name: 'deploy',
        strategy: { type: 'serial', interrupted: false, chain: ['ph-1'] },
        errors: [],
        phases: [
          {
            id: 'ph-1',
            name: 'hello',
            strategy: { type: 'parallel', interrupted: false },
            steps: steps.map((s, i) => ({
              id: s.id, name: s.name, kind: 'deployment' as const, status: 'PENDING' as const, interrupted: false,
              requirement: { podType: 'hello', podIndex: i, tasks: ['server'], recoveryType: 'NONE' as const }, errors: [], parameters: {}, launched: [], prepared: false,
            })),
          },
        ],
      },
      plan: {
        name: 'deploy', strategy: 'serial', status: 'PENDING', errors: [],
        phases: [{ id: 'ph-1', name: 'hello', strategy: 'parallel', status: 'PENDING', steps: steps.map((s, i) => ({ ...s, kind: 'deployment' as const, status: 'PENDING' as const, podType: 'hello', podIndex: i, tasks: ['server'], errors: [] })) }],
      },
    },
    { id: randomUUID(), at: new Date().toISOString(), correlationId: 'bench', causationId: null, actor: 'bench' },
  );
}

const CYCLE = ['PENDING', 'PREPARED', 'STARTING', 'COMPLETE'] as const;

/** The i-th step transition: steps move round the cycle, each transition naming its launched task as plan-manager does. */
function transition(i: number): MarshalEvent {
  const step = i % STEPS;
  const k = Math.floor(i / STEPS) % CYCLE.length;
  const from = CYCLE[k];
  const to = CYCLE[(k + 1) % CYCLE.length];
  return makeEvent(
    'StepStatusChanged',
    `service:${SERVICE}`,
    {
      service: SERVICE, plan: 'deploy', phaseId: 'ph-1', phase: 'hello', stepId: `st-${step}`, step: `hello-${step}:[server]`, from, to,
      reason: `hello-${step}-server is TASK_RUNNING`, launched: [{ taskId: `${SERVICE}__hello-${step}-server__${i}`, taskName: `hello-${step}-server`, status: 'STARTING' }],
      prepared: to !== 'PENDING', errors: [],
    },
    { id: randomUUID(), at: new Date().toISOString(), correlationId: `c-${step}`, causationId: null, actor: 'service:plan-manager' },
  );
}

/** Runs `fn(i)` for i in [0, n) with at most `window` in flight. */
async function pipelined(n: number, window: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(window, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

async function rawPublish(nc: NatsConnection, payload: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'BENCH_RAW', subjects: ['benchraw.>'], storage: StorageType.File, retention: RetentionPolicy.Limits });
  const js = jetstream(nc);
  await pipelined(1_000, 100, (i) => js.publish(`benchraw.warm.${i % 10}`, payload));
  const t0 = now();
  await pipelined(N_RAW, 1_000, (i) => js.publish(`benchraw.svc.${i % 50}`, payload));
  const rate = N_RAW / ((now() - t0) / 1000);
  await jsm.streams.delete('BENCH_RAW');
  return rate;
}

/** The secondary indexes of the audit table (migrations 0001, 0002), for the indexed variant of the raw insert. */
const AUDIT_INDEXES = `CREATE INDEX ON raw_events (id); CREATE INDEX ON raw_events (correlation_id); CREATE INDEX ON raw_events (causation_id);
  CREATE INDEX ON raw_events USING gin (refs); CREATE INDEX ON raw_events USING brin (at);`;

async function rawInsert(url: string, subjects: Subjects, indexed: boolean): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`CREATE TABLE raw_events (seq bigint PRIMARY KEY, id text NOT NULL, type text NOT NULL, version int NOT NULL, subject text NOT NULL,
      aggregate text NOT NULL, service text, agent_id text, correlation_id text NOT NULL, causation_id text, actor text NOT NULL, at timestamptz NOT NULL,
      data jsonb NOT NULL, refs text[] NOT NULL)`);
    if (indexed) await c.query(AUDIT_INDEXES);
    const rows = Array.from({ length: N_RAW }, (_, i) => auditRow(subjects, { seq: i + 1, subject: subjects.servicePlan(SERVICE), event: transition(i) }));
    const t0 = now();
    for (let i = 0; i < rows.length; i += 500) {
      const batch = rows.slice(i, i + 500);
      await c.query(
        `INSERT INTO raw_events SELECT s, id, ty, v, sub, agg, svc, ag, co, ca, ac, at, d, r::text[]
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                       $12::timestamptz[], $13::jsonb[], $14::text[]) AS u(s, id, ty, v, sub, agg, svc, ag, co, ca, ac, at, d, r)`,
        [
          batch.map((r) => r.seq), batch.map((r) => r.id), batch.map((r) => r.type), batch.map((r) => r.version), batch.map((r) => r.subject),
          batch.map((r) => r.aggregate), batch.map((r) => r.service), batch.map((r) => r.agentId), batch.map((r) => r.correlationId),
          batch.map((r) => r.causationId), batch.map((r) => r.actor), batch.map((r) => r.at), batch.map((r) => JSON.stringify(r.data)),
          batch.map((r) => `{${r.refs.map((t) => `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`),
        ],
      );
    }
    const rate = N_RAW / ((now() - t0) / 1000);
    await c.query('DROP TABLE raw_events');
    return rate;
  } finally {
    await c.end();
  }
}

/** The projector's announced checkpoints, with the time each arrived. */
class Progress {
  seq = 0;
  readonly arrivals: { seq: number; at: number }[] = [];
  private waiters: { seq: number; resolve: () => void }[] = [];

  constructor(nc: NatsConnection, subjects: Subjects) {
    const sub = nc.subscribe(subjects.projectorProgress);
    void (async () => {
      for await (const m of sub) {
        const seq = m.json<{ seq: number }>().seq;
        const at = now();
        this.arrivals.push({ seq, at });
        if (seq > this.seq) this.seq = seq;
        this.waiters = this.waiters.filter((w) => (w.seq <= this.seq ? (w.resolve(), false) : true));
      }
    })();
  }

  reach(seq: number, timeoutMs = 300_000): Promise<void> {
    if (seq <= this.seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`projector did not reach ${seq} (at ${this.seq})`)), timeoutMs);
      this.waiters.push({ seq, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'marshal-bench-events-'));
  // Authenticated like a real ensemble unless BENCH_NATS_AUTH=off: the bench as admin, the projector as itself.
  const auth = process.env['BENCH_NATS_AUTH'] !== 'off';
  const nats = await startNatsServer({ auth });
  if (nats.auth) await nats.auth.authorize([{ name: 'state-projector', role: 'state-projector' }], [NS]);
  log(`events: NATS authentication ${auth ? 'on' : 'off (BENCH_NATS_AUTH=off)'}`);
  let pg: PostgresServerHandle | undefined;
  const serverUrl = process.env['DATABASE_URL'] ?? (pg = await startPostgresServer()).url;
  const db = await createTestDatabase(serverUrl);
  const subjects = subjectsFor(NS);
  const seedOf = (identity: string): string => readFileSync(nats.auth?.seedFile(identity) ?? '', 'utf8').trim();
  const nc = await connectNats({ servers: nats.url, name: 'bench-events', ...(nats.auth ? { auth: { nkeySeed: seedOf('admin') } } : {}) });
  const projector = new ManagedProcess({
    name: 'state-projector',
    command: process.execPath,
    // BENCH_PROF=<dir> writes a CPU profile of the projector there.
    args: [...(process.env['BENCH_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROF']}`] : []), join(root, 'apps', 'state-projector', 'dist', 'main.js')],
    cwd: root,
    env: {
      NATS_URL: nats.url,
      ...(nats.auth ? { NATS_NKEY_SEED_FILE: nats.auth.seedFile('state-projector') } : {}),
      DATABASE_URL: db.url,
      MARSHAL_NAMESPACE: NS,
      LOG_LEVEL: 'warn',
    },
    logFile: join(stateDir, 'state-projector.log'),
  });
  try {
    const payload = JSON.stringify(transition(0));
    log(`events: payload ${payload.length} bytes; ${N_RAW} raw, ${N_E2E} end to end, ${N_CATCHUP} catch-up, ${LAG_SECONDS} s at 1,000/s`);

    const rawPublishPerS = await rawPublish(nc, payload);
    log(`raw JetStream async publish: ${Math.round(rawPublishPerS)} msgs/s`);
    const rawInsertPerS = await rawInsert(db.url, subjects, false);
    log(`raw PostgreSQL multi-row insert: ${Math.round(rawInsertPerS)} rows/s (audit rows, a table with only a primary key)`);
    const rawIndexedPerS = await rawInsert(db.url, subjects, true);
    log(`  the same into a table with the audit table's indexes: ${Math.round(rawIndexedPerS)} rows/s`);

    const store = await EventStore.open(nc, subjects);
    const progress = new Progress(nc, subjects);
    projector.start();
    const plan = await store.append(subjects.servicePlan(SERVICE), planGenerated());
    await progress.reach(plan.seq, 60_000);

    // End to end: appended through the event store, projected by the real projector.
    let last = 0;
    const t0 = now();
    await pipelined(N_E2E, 1_000, async (i) => {
      const r = await store.append(subjects.servicePlan(SERVICE), transition(i));
      last = Math.max(last, r.seq);
    });
    await progress.reach(last);
    const endToEndPerS = N_E2E / ((now() - t0) / 1000);
    log(`end to end (append + project): ${Math.round(endToEndPerS)} events/s`);

    // Catch-up: the projector stopped while events were appended.
    await projector.stop();
    await pipelined(N_CATCHUP, 1_000, async (i) => {
      const r = await store.append(subjects.servicePlan(SERVICE), transition(N_E2E + i));
      last = Math.max(last, r.seq);
    });
    const before = progress.arrivals.length;
    projector.start();
    await progress.reach(last);
    // From the first batch's announcement to the head: the first batch's own events are not counted, nor start-up.
    const first = progress.arrivals[before];
    const end = progress.arrivals[progress.arrivals.length - 1];
    const projectorPerS = (end.seq - first.seq) / ((end.at - first.at) / 1000);
    log(`projector catch-up: ${Math.round(projectorPerS)} events/s (${end.seq - first.seq} events after its first batch)`);

    // Lag at a steady 1,000 events/s.
    const acked = new Map<number, number>();
    const pending: Promise<unknown>[] = [];
    const total = LAG_SECONDS * 1_000;
    const start = now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(now() - start));
      for (; sent < due; sent++) {
        const i = N_E2E + N_CATCHUP + sent;
        pending.push(store.append(subjects.servicePlan(SERVICE), transition(i)).then((r) => void acked.set(r.seq, now())));
      }
      await sleep(2);
    }
    await Promise.all(pending);
    const lastLag = Math.max(...acked.keys());
    await progress.reach(lastLag);
    const lags: number[] = [];
    const arrivals = progress.arrivals.filter((a) => a.at >= start);
    for (const [seq, at] of acked) {
      const seen = arrivals.find((a) => a.seq >= seq);
      if (seen) lags.push(Math.max(0, seen.at - at));
    }
    lags.sort((a, b) => a - b);
    const lagP50 = percentile(lags, 50);
    const lagP99 = percentile(lags, 99);
    log(`lag at 1,000 events/s over ${LAG_SECONDS} s: p50 ${round(lagP50)} ms, p99 ${round(lagP99)} ms (${lags.length} events)`);

    // Rebuild from sequence 1.
    const head = await store.headSeq();
    const ds = createDataSource({ url: db.url });
    await ds.initialize();
    const bus = new CommandBus(nc, subjects);
    const tr = now();
    const reply = await bus.request('projector.rebuild', { meta: { commandId: randomUUID(), actor: 'admin:bench', correlationId: randomUUID() } });
    for (;;) {
      const active = (await listGenerations(ds)).find((g) => g.state === 'active');
      if (active?.id === reply.generation) break;
      await sleep(20);
    }
    const rebuildPerS = head / ((now() - tr) / 1000);
    await ds.destroy();
    log(`rebuild from sequence 1: ${Math.round(rebuildPerS)} events/s (${head} events)`);

    const result = {
      bench: 'events',
      nats_auth: auth,
      raw_publish_per_s: Math.round(rawPublishPerS),
      raw_insert_per_s: Math.round(rawInsertPerS),
      end_to_end_per_s: Math.round(endToEndPerS),
      projector_per_s: Math.round(projectorPerS),
      lag_p50_ms: round(lagP50),
      lag_p99_ms: round(lagP99),
      rebuild_per_s: Math.round(rebuildPerS),
    };
    const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
    log(`targets: end to end ${round((100 * endToEndPerS) / rawPublishPerS, 1)}% of raw publish (≥ 30%: ${verdict(endToEndPerS >= 0.3 * rawPublishPerS)}), ` +
      `projector ${round((100 * projectorPerS) / rawInsertPerS, 1)}% of raw insert (≥ 50%: ${verdict(projectorPerS >= 0.5 * rawInsertPerS)}; ` +
      `${round((100 * projectorPerS) / rawIndexedPerS, 1)}% of the indexed raw insert), ` +
      `lag p99 < 100 ms: ${verdict(lagP99 < 100)}, rebuild ≥ 20,000/s: ${verdict(rebuildPerS >= 20_000)}`);
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await projector.stop();
    await nc.close();
    await db.drop();
    await pg?.stop();
    await nats.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
