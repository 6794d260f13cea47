import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from '@marshal/testing';
import { startCluster, type Cluster } from './support';

const AGENTS = 1000;
const PODS = 300;

/** Issue 5: `agent --simulate 1000` is a thousand agents in one process, placed on and run like real ones. */
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

  it(`register, stay alive, and run ${PODS} pods of a parallel plan spread by hostname:MAX_PER:2`, async () => {
    const pkg = join(mkdtempSync(join(tmpdir(), 'marshal-sim-')), 'wide');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'marathon.json.mustache'), '{ "id": "wide", "env": {} }\n');
    writeFileSync(
      join(pkg, 'svc.yml'),
      `name: wide
pods:
  hello:
    count: ${PODS}
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
});
