import { randomInt } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { podInstanceName, type ParkedList } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import { ChaosPublisher, chaosPlan, checkLog, faultPlan, helloPackage, inject, liveSandboxes, overlappingLaunches, seededRandom, type DeployStrategy } from './faults-support';
import { writeOptions } from './plans-support';
import { startCluster, type Cluster } from './support';

/**
 * The fault suite (docs/architecture.md). Each run: a deploy of FAULT_PODS hello pods (default 50) on three real agents, during
 * which every service, one agent, the NATS server and the PostgreSQL server are SIGKILLed once each at a seeded random
 * point of its progress (0–90% of the steps complete) and started again after a seeded pause of up to 1.5 s. Then the
 * deploy must complete with exactly one live task per pod instance, its last launch, and no instance launched again
 * before its earlier launch ended; the projector must hold every event of the stream, and its read models must equal
 * a rebuild. A chaos publisher also injects, at seeded random points, one message of each kind no consumer can apply
 * (garbage bytes, NUL-laden, oversized, schema-violating) onto event subjects: each must be parked by the consumers that
 * met it and listed by GET /v1/admin/parked, and nothing else may be parked.
 *
 * `npm test` makes one run; `npm run test:faults` makes FAULT_RUNS (20). FAULT_SEED replays one run.
 */
const runs = Number(process.env['FAULT_RUNS'] ?? 1);
const pods = Number(process.env['FAULT_PODS'] ?? 50);
const seeds = process.env['FAULT_SEED'] ? [Number(process.env['FAULT_SEED'])] : Array.from({ length: runs }, () => randomInt(1, 2 ** 31));
const AGENTS = ['a1', 'a2', 'a3'];

describe(`fault suite: ${pods} pods, every part of the ensemble crashed during the deploy`, () => {
  for (const seed of seeds) {
    it(`survives the faults of seed ${seed} (replay: FAULT_SEED=${seed} npm run test:faults)`, async () => {
      const random = seededRandom(seed);
      const strategy: DeployStrategy = random() < 0.5 ? 'serial' : 'parallel';
      const faults = [...faultPlan(random, AGENTS), ...chaosPlan(random)].sort((a, b) => a.atProgress - b.atProgress);
      const lines: string[] = [`seed ${seed}: ${pods} pods, ${strategy} deploy`];
      const log = (line: string) => lines.push(line);

      let cluster: Cluster | undefined;
      let chaos: ChaosPublisher | undefined;
      let passed = false;
      try {
        cluster = await startCluster(
          AGENTS.map((id) => ({ id, cpus: 8, memoryMb: 16_384, diskMb: 50_000 })),
          // The default agent timeout: a crashed agent (or NATS) is back well within it, so no task is declared lost.
          { ownPostgres: true, serviceEnv: { coordinator: { AGENT_TIMEOUT_MS: '15000' } } },
        );
        const c = cluster;
        const installed = await c.cli('install', helloPackage(strategy), '--options', writeOptions({ hello: { count: pods } }));
        expect(installed).toMatchObject({ code: 0 });
        // With the rights of a compromised coordinator: it may write task facts and agent ledgers, nothing else.
        chaos = await ChaosPublisher.connect(c.nats.clientOptions('coordinator'), c.namespace, AGENTS, random);
        await inject(c, 'hello-world', faults, log, chaos);

        await c.waitForPlan('hello-world', 'deploy', 'COMPLETE', 300_000);
        log('deploy COMPLETE');

        // Every injected message is parked, by the projector and the coordinator (which follow the whole log) at least,
        // and nothing else is parked.
        const injected = [...chaos.injected.keys()].sort((a, b) => a - b);
        const parked = await eventually(
          async () => {
            const res = await fetch(`${c.ensemble.gatewayUrl}/v1/admin/parked`, { headers: { authorization: `Bearer ${c.ensemble.tokens.admin}` } });
            const list = ((await res.json()) as ParkedList).parked;
            expect([...new Set(list.map((p) => p.seq))]).toEqual(injected);
            for (const seq of injected) expect(list.filter((p) => p.seq === seq).map((p) => p.consumer)).toEqual(expect.arrayContaining(['coordinator', 'state-projector']));
            return list;
          },
          { timeoutMs: 60_000, intervalMs: 500, what: 'every injected message parked, nothing else' },
        );
        log(`parked: ${parked.length} entries for the ${injected.length} injected messages (${injected.join(', ')})`);

        // Exactly one live task per pod instance: no launch was repeated, none is missing.
        const live = liveSandboxes(c);
        const expected = Array.from({ length: pods }, (_, i) => podInstanceName('hello', i));
        expect([...live.keys()].sort()).toEqual([...expected].sort());
        expect(expected.filter((i) => live.get(i)?.size !== 1)).toEqual([]);

        // Only the projector may write from here on.
        await Promise.all([...c.ensemble.processes.entries()].filter(([name]) => name !== 'state-projector').map(([, p]) => p.stop(5_000)));
        const check = await checkLog(c);
        log(`log: ${check.messages} messages (last ${check.lastSeq}); projector: checkpoint ${check.checkpoint}, ${check.projected} audit rows`);
        // Up to the last event: injected messages after it are passed only when another event comes (known limitation).
        expect(check.checkpoint).toBe(check.lastEventSeq);
        expect(check.lastSeq - check.lastEventSeq).toBe(injected.filter((seq) => seq > check.lastEventSeq).length);
        // Every message is projected but those that are not events, which are exactly the injected ones.
        expect(check.notEvents).toEqual(injected);
        expect(check.projected).toBe(check.messages - injected.length);
        // By the log: no instance launched again before its earlier launch ended, and what runs is its last launch.
        expect(overlappingLaunches(check.launches)).toEqual([]);
        const lastLaunched = (i: string) => check.launches.get(i)?.at(-1)?.taskId;
        expect(expected.filter((i) => ![...(live.get(i) ?? [])].every((sandbox) => sandbox === lastLaunched(i)))).toEqual([]);
        expect(check.differingTables).toEqual([]);
        passed = true;
      } finally {
        process.stdout.write(`${lines.join('\n')}\n${passed ? 'passed' : `FAILED — logs in ${cluster ? join(cluster.stateDir, 'logs') : '(no cluster)'}`}\n`);
        await chaos?.close();
        if (cluster) {
          const dir = cluster.stateDir;
          await cluster.stop();
          if (passed) rmSync(dir, { recursive: true, force: true });
        }
      }
    }, 480_000);
  }
});
