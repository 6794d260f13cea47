import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Candidate, PodSpec } from '@marshal/contracts';
import { CommandBus, EventStore } from '@marshal/messaging';
import { applyToLedger, emptyLedger } from '@marshal/offer';
import { createServiceContext } from '@marshal/runtime';
import { CoordinatorConfig } from '../config';
import { Placer, type PlacementResult } from '../placement/placer';

/**
 * The coordinator's placement path on its own, for `npm run bench -- placement` (tools/bench): places a workload's
 * candidates with the very Placer the coordinator's cycle uses — batches to the real offer-evaluator processes of
 * the queue group, commits to JetStream under the agents' expected sequences — and prints one JSON line: how many
 * were placed, how long it took, and what the log holds afterwards. Nothing else of the coordinator runs (no
 * reports to plan-manager, no launches): a placement is an evaluation whose proposal was committed.
 *
 *   node apps/coordinator/dist/bench/placement-driver.js <workload.json> <agents>
 *
 * The workload is `{ configId, pods: PodSpec[], candidates: Candidate[] }`; settings are the coordinator's
 * (EVALUATION_BATCH_SIZE, EVALUATION_CONCURRENCY, EVALUATION_TIMEOUT_MS, NATS_URL, MARSHAL_NAMESPACE).
 * `PLACEMENT_BENCH_WATCH=name:pid,…` adds the CPU seconds those processes used while placing to the result.
 */
async function main(): Promise<void> {
  const [file, agentsArg] = process.argv.slice(2);
  if (!file || !agentsArg) throw new Error('usage: placement-driver <workload.json> <agents>');
  const workload = JSON.parse(readFileSync(file, 'utf8')) as { configId: string; pods: PodSpec[]; candidates: Candidate[] };
  const expectedAgents = Number(agentsArg);
  const ctx = await createServiceContext(CoordinatorConfig);
  const { store, subjects, config } = ctx;
  const ledger = emptyLedger();
  const follow = store.follow(subjects.allAgentEvents, (rec) => applyToLedger(ledger, rec));
  await follow.caughtUp;
  const deadline = Date.now() + 60_000;
  while (ledger.agents.size < expectedAgents) {
    if (Date.now() > deadline) throw new Error(`only ${ledger.agents.size} of ${expectedAgents} agents registered`);
    await new Promise((r) => setTimeout(r, 20));
  }

  let committed = 0;
  const bus = new CommandBus(ctx.nc, subjects, ctx.log);
  const placer = new Placer(
    {
      store: store as EventStore,
      subjects,
      evaluate: (req) => bus.request('offer.evaluate-batch', req, { timeoutMs: config.EVALUATION_TIMEOUT_MS, retries: 0 }),
      ledgerSeq: () => Math.max(ledger.seq, committed),
      agentCount: () => ledger.agents.size,
      noteLedgerSeq: (seq) => (committed = Math.max(committed, seq)),
      newId: randomUUID,
      now: () => new Date().toISOString(),
      actor: 'service:coordinator-bench',
      log: ctx.log,
    },
    { batchSize: config.EVALUATION_BATCH_SIZE, inFlight: config.EVALUATION_CONCURRENCY, maxRounds: 20, evaluationTimeoutMs: config.EVALUATION_TIMEOUT_MS },
  );

  // Optional: CPU seconds the other processes of the run use during the measured window (Linux /proc).
  const watched = (process.env['PLACEMENT_BENCH_WATCH'] ?? '').split(',').filter(Boolean).map((w) => {
    const [name, pid] = w.split(':');
    return { name, pid: Number(pid) };
  });
  const cpuBefore = watched.map((w) => cpuSeconds(w.pid));
  const ownBefore = process.cpuUsage();
  const kinds: Record<PlacementResult['kind'], number> = { reserved: 0, 'no-fit': 0, error: 0, 'gave-up': 0 };
  const errors = new Set<string>();
  const started = process.hrtime.bigint();
  let lastReserved = started;
  await placer.place(workload.candidates, { [workload.configId]: workload.pods }, (r) => {
    kinds[r.kind]++;
    if (r.kind === 'reserved') lastReserved = process.hrtime.bigint();
    if (r.kind === 'error') errors.add(r.message);
  });
  const seconds = Number(lastReserved - started) / 1e9;
  const own = process.cpuUsage(ownBefore);
  const cpu: Record<string, number> = { driver: (own.user + own.system) / 1e6 };
  watched.forEach((w, i) => (cpu[w.name] = cpuSeconds(w.pid) - cpuBefore[i]));

  // What the log holds: every reservation folded back, counted per host.
  const fold = Date.now() + 30_000;
  while (ledger.seq < committed && Date.now() < fold) await new Promise((r) => setTimeout(r, 10));
  const perHost = [...ledger.agents.values()].map((a) => a.reservations.size);
  await follow.stop();
  process.stdout.write(
    JSON.stringify({
      placed: kinds.reserved,
      noFit: kinds['no-fit'],
      errors: kinds.error,
      gaveUp: kinds['gave-up'],
      errorMessages: [...errors].slice(0, 3),
      seconds,
      perSecond: kinds.reserved / seconds,
      reservationsInLog: perHost.reduce((a, b) => a + b, 0),
      maxPerHost: Math.max(0, ...perHost),
      stats: placer.stats,
      batchSize: config.EVALUATION_BATCH_SIZE,
      inFlight: config.EVALUATION_CONCURRENCY,
      cpu,
    }) + '\n',
  );
  await ctx.nc.drain();
}

/** utime + stime of a process, in seconds (USER_HZ is 100 on Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
