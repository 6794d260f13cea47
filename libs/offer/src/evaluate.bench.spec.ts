import { agentAggregate, makeEvent, type MarshalEvent } from '@marshal/contracts';
import { applyToLedger, emptyLedger, evaluate, toReservation } from '.';
import { candidate, pod } from '../test/fixtures';

/**
 * Micro-benchmark of the placement path: evaluate + commit (fold ResourcesReserved) for every pod instance of a
 * `hostname:MAX_PER:20` pod. Small by default so the unit suite stays fast; the full size of the project benchmark
 * (10,000 instances on 1,000 agents) and the timing run with:
 *   OFFER_BENCH=1 npx jest --selectProjects unit --testPathPatterns libs/offer/src/evaluate.bench
 */
const FULL = process.env.OFFER_BENCH === '1';
const AGENTS = FULL ? 1000 : 60;
const PODS = FULL ? 10000 : 1000;
const MAX_OUTCOMES = process.env.OFFER_BENCH_OUTCOMES ? Number(process.env.OFFER_BENCH_OUTCOMES) : undefined;

it(`places ${PODS} instances of a hostname:MAX_PER:20 pod on ${AGENTS} agents, at most 20 per host`, () => {
  const spec = pod('hello', { count: PODS, placement: 'hostname:MAX_PER:20', tasks: [{ name: 'server', cpus: 0.5, memory: 256 }] });
  const servicePods = new Map([['hello', spec]]);
  const ledger = emptyLedger();
  let seq = 0;
  const apply = (agentId: string, event: MarshalEvent): void => applyToLedger(ledger, { seq: ++seq, subject: `marshal.evt.agent.${agentId}`, event });
  const meta = () => ({ id: `e${seq}`, at: '2026-01-01T00:00:00.000Z', correlationId: 'bench', causationId: null, actor: 'bench' });
  for (let i = 0; i < AGENTS; i++) {
    const agentId = `agent-${i}`;
    apply(
      agentId,
      makeEvent('AgentRegistered', agentAggregate(agentId), {
        agentId,
        hostname: `host-${i}`,
        attributes: { rack: `rack-${i % 10}` },
        resources: { cpus: 16, memory: 65536, disk: 100000, gpus: 0, ports: [{ begin: 10000, end: 20000 }], mounts: [] },
      }, meta()) as MarshalEvent,
    );
  }

  const perHost = new Map<string, number>();
  const started = process.hrtime.bigint();
  let evaluateNs = 0n;
  for (let i = 0; i < PODS; i++) {
    const c = candidate('hello', i);
    const t0 = process.hrtime.bigint();
    const { proposal } = evaluate({ candidate: c, pod: spec, ledger, servicePods, maxOutcomes: MAX_OUTCOMES });
    evaluateNs += process.hrtime.bigint() - t0;
    if (!proposal) throw new Error(`hello-${i} was not placed`);
    perHost.set(proposal.hostname, (perHost.get(proposal.hostname) ?? 0) + 1);
    apply(
      proposal.agentId,
      makeEvent('ResourcesReserved', agentAggregate(proposal.agentId), {
        agentId: proposal.agentId,
        reservationId: `r-${i}`,
        service: c.service,
        podType: c.podType,
        podIndex: c.podIndex,
        ...toReservation(proposal, spec),
      }, meta()) as MarshalEvent,
    );
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  expect(Math.max(...perHost.values())).toBe(20);
  expect([...perHost.values()].reduce((a, b) => a + b, 0)).toBe(PODS);
  if (FULL) {
    console.log(
      `${PODS} placements on ${AGENTS} agents: ${seconds.toFixed(2)} s, ${Math.round(PODS / seconds)} placements/s ` +
        `(evaluate ${(Number(evaluateNs) / 1e6 / PODS).toFixed(3)} ms each, maxOutcomes ${MAX_OUTCOMES ?? 'default'})`,
    );
  }
});
