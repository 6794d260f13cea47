import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from '@marshal/testing';
import { startCluster, type Cluster } from './support';

const AGENTS = 1000;
const PODS = 300;

/** `agent --simulate 1000` is a thousand agents in one process, placed on and run like real ones. */
describe('a thousand simulated agents in one process', () => {
  let cluster: Cluster;
  let db: Client;

  beforeAll(async () => {
    cluster = await startCluster([{ id: 'sim', env: { SIMULATE: String(AGENTS), SIMULATE_START_LATENCY_MS: '20' } }]);
    db = new Client({ connectionString: cluster.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
  });

  /** A package of `count` pods deployed by a parallel plan, spread by hostname:MAX_PER:2. */
  const wide = (name: string, count: number): string => {
    const pkg = join(mkdtempSync(join(tmpdir(), 'marshal-sim-')), name);
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'marathon.json.mustache'), `{ "id": "${name}", "env": {} }\n`);
    writeFileSync(
      join(pkg, 'svc.yml'),
      `name: ${name}
pods:
  hello:
    count: ${count}
    placement: 'hostname:MAX_PER:2'
    tasks:
      server:
        goal: RUNNING
        cmd: sleep 1000
        cpus: 0.1
        memory: 32
plans:
  deploy:
    strategy: parallel
    phases:
      hello:
        strategy: parallel
        pod: hello
`,
    );
    return pkg;
  };
  const count = async (sql: string, ...params: unknown[]): Promise<number> => (await db.query(sql, params)).rows[0].n;

  it(`register, stay alive, and run ${PODS} pods of a parallel plan spread by hostname:MAX_PER:2`, async () => {
    const pkg = wide('wide', PODS);
    await eventually(
      async () => expect((await db.query(`SELECT count(*)::int AS n FROM agents`)).rows[0].n).toBe(AGENTS),
      { timeoutMs: 30_000, what: `${AGENTS} agents registered` },
    );
    expect(await cluster.cli('install', pkg)).toMatchObject({ code: 0, stderr: '' });
    await cluster.waitForPlan('wide', 'deploy', 'COMPLETE', 120_000);

    const perHost = (await db.query(`SELECT hostname, count(*)::int AS n FROM tasks WHERE service = 'wide' AND state = 'TASK_RUNNING' GROUP BY hostname`)).rows as {
      hostname: string;
      n: number;
    }[];
    expect(perHost.reduce((sum, h) => sum + h.n, 0)).toBe(PODS);
    expect(Math.max(...perHost.map((h) => h.n))).toBe(2);
    expect(perHost.every((h) => h.hostname.startsWith('sim-sim-'))).toBe(true);
    // One heartbeat message per interval vouches for all of them: none was reported lost.
    expect((await db.query(`SELECT count(*)::int AS n FROM agents WHERE lost`)).rows[0].n).toBe(0);
  });

  it('a coordinator killed in the middle of a deployment and started again finishes it, launching every step once', async () => {
    const pods = 400;
    const launches = `SELECT count(*)::int AS n FROM events WHERE type = 'TaskLaunched' AND service = 'again'`;
    expect(await cluster.cli('install', wide('again', pods))).toMatchObject({ code: 0, stderr: '' });
    await eventually(async () => expect(await count(launches)).toBeGreaterThan(20), { timeoutMs: 30_000, intervalMs: 20, what: 'launches under way' });
    const coordinator = cluster.ensemble.process('coordinator');
    await coordinator.kill();
    const before = await count(launches);
    coordinator.start();
    await cluster.waitForPlan('again', 'deploy', 'COMPLETE', 60_000);

    expect(before).toBeLessThan(pods); // it was stopped mid-way
    const perTask = (await db.query(`SELECT data->'task'->>'taskName' AS name, count(*)::int AS n FROM events WHERE type = 'TaskLaunched' AND service = 'again' GROUP BY 1`)).rows as {
      name: string;
      n: number;
    }[];
    expect(perTask).toHaveLength(pods);
    expect(perTask.filter((t) => t.n !== 1)).toEqual([]);
    expect(await count(`SELECT count(*)::int AS n FROM reservations WHERE service = 'again'`)).toBe(pods);
    expect(await count(`SELECT count(*)::int AS n FROM tasks WHERE service = 'again' AND state = 'TASK_RUNNING'`)).toBe(pods);
  });
});
