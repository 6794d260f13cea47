import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { OfferOutcomeSummary } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import { startCluster, type Cluster, type PlanBody } from './support';

/** Placement rules with real agents and processes, and the outcome explaining a pod that fits nowhere. */
describe('placement across real agents', () => {
  let cluster: Cluster;
  let db: Client;
  const dir = mkdtempSync(join(tmpdir(), 'marshal-placement-'));

  /** A package of one pod type `hello` with a placement rule, named `name`. */
  const pkg = (name: string, placement: string, count: number): string => {
    const at = join(dir, name);
    mkdirSync(at);
    writeFileSync(join(at, 'marathon.json.mustache'), '{ "id": "' + name + '", "env": {} }\n');
    writeFileSync(
      join(at, 'svc.yml'),
      `name: ${name}\npods:\n  hello:\n    count: ${count}\n    placement: '${placement}'\n    tasks:\n      server:\n        goal: RUNNING\n        cmd: sleep 1000\n        cpus: 0.1\n        memory: 32\n`,
    );
    return at;
  };
  const hosts = async (service: string): Promise<Record<string, string>> => {
    const rows = (await db.query(`SELECT task_name, hostname FROM tasks WHERE service = $1 AND state = 'TASK_RUNNING' ORDER BY task_name`, [service])).rows;
    return Object.fromEntries(rows.map((r: { task_name: string; hostname: string }) => [r.task_name, r.hostname]));
  };

  // b1 offers one MOUNT disk (a directory standing for a whole disk).
  const disk = join(dir, 'disk-b1');
  mkdirSync(disk);

  beforeAll(async () => {
    cluster = await startCluster([
      { id: 'a1', zone: 'zone-a' },
      { id: 'a2', zone: 'zone-a' },
      { id: 'b1', zone: 'zone-b', env: { AGENT_MOUNTS: `${disk}:1024` } },
    ]);
    db = new Client({ connectionString: cluster.db.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await cluster?.stop();
  });

  it('hostname:UNIQUE places three instances on three hosts and leaves the fourth waiting, saying why', async () => {
    expect(await cluster.cli('install', pkg('unique', 'hostname:UNIQUE', 4))).toMatchObject({ code: 0, stderr: '' });

    const plan = await eventually(
      async () => {
        const p = (await cluster.get<PlanBody>('/v1/service/unique/plans/deploy')).body;
        const steps = p.phases[0].steps;
        if (steps.slice(0, 3).some((s) => s.status !== 'COMPLETE') || steps[3].status !== 'PREPARED') throw new Error(JSON.stringify(steps));
        return p;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'three instances COMPLETE and the fourth evaluated' },
    );
    expect(plan.status).toBe('IN_PROGRESS');
    const fourth = plan.phases[0].steps[3];
    expect(fourth.name).toBe('hello-3:[server]');
    expect(fourth.message).toMatch(/^no agent fits: (a1|a2|b1): FAIL\(MaxPerHostnameRule\): hostname:UNIQUE: hello-\d already on host \1$/);

    const placed = await eventually(async () => {
      const h = await hosts('unique');
      expect(Object.keys(h)).toHaveLength(3);
      return h;
    });
    expect(new Set(Object.values(placed))).toEqual(new Set(['a1', 'a2', 'b1']));

    // GET /v2/debug/offers (reference §6.8): counts, and the waiting step's last evaluation agent by agent.
    const offers = (await cluster.get<OfferOutcomeSummary>('/v1/service/unique/v2/debug/offers')).body;
    expect(offers.acceptedCount).toBeGreaterThanOrEqual(3);
    expect(offers.failureReasons['MaxPerHostnameRule']).toBeGreaterThanOrEqual(3);
    const waiting = offers.pending.find((p) => p.step === 'hello-3:[server]');
    // Agents register in any order, and are tried in that order: compare agent by agent.
    const explained = Object.fromEntries((waiting?.offers ?? []).map((o) => [/hostname (\S+);/.exec(o.offer)?.[1], [o.outcome, o.explanation.filter((l) => l.startsWith('FAIL'))]]));
    expect(explained).toEqual(
      Object.fromEntries(
        Object.entries(placed).map(([task, host]) => [host, ['fail', [`FAIL(MaxPerHostnameRule): hostname:UNIQUE: ${task.replace(/-server$/, '')} already on host ${host}`]]]),
      ),
    );
    expect(waiting?.offers.find((o) => o.offer.includes('hostname a1'))?.offer).toMatch(/^agent a1; hostname a1; zone zone-a; attributes \[zone:zone-a\]; free cpus /);
    expect(offers.offers.length).toBeGreaterThan(0);

    const all = await cluster.get<OfferOutcomeSummary>('/v2/debug/offers');
    expect(all.status).toBe(200);
    expect(all.body.pending.map((p) => `${p.service} ${p.step}`)).toContain('unique hello-3:[server]');

    const text = await cluster.cli('--name', 'unique', 'debug', 'offers', '--pending');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^unique deploy hello-3:\[server\] \(evaluated [^)]+\):\n {2}hello-3:\[server\]: none of 3 agents fits\n/);
    expect(text.stdout).toContain('FAIL(MaxPerHostnameRule): hostname:UNIQUE');
  });

  it('@zone:GROUP_BY:2 spreads instances evenly over the two zones, not over the hosts', async () => {
    expect(await cluster.cli('install', pkg('zones', '@zone:GROUP_BY:2', 4))).toMatchObject({ code: 0, stderr: '' });
    await cluster.waitForPlan('zones', 'deploy', 'COMPLETE');
    const placed = await eventually(async () => {
      const h = await hosts('zones');
      expect(Object.keys(h)).toHaveLength(4);
      return h;
    });
    // Without the count the original cannot know a second zone exists, and fills zone-a (reference §5.4 round-robin).
    const zoneOf: Record<string, string> = { a1: 'zone-a', a2: 'zone-a', b1: 'zone-b' };
    const perZone = Object.values(placed).reduce<Record<string, number>>((m, h) => ({ ...m, [zoneOf[h]]: (m[zoneOf[h]] ?? 0) + 1 }), {});
    expect(perZone).toEqual({ 'zone-a': 2, 'zone-b': 2 });
  });

  it('a MOUNT volume takes the one agent disk that fits, whole: the task writes on it, a second instance waits for a disk', async () => {
    const at = join(dir, 'mounted');
    mkdirSync(at);
    writeFileSync(join(at, 'marathon.json.mustache'), '{ "id": "mounted", "env": {} }\n');
    writeFileSync(
      join(at, 'svc.yml'),
      'name: mounted\npods:\n  db:\n    count: 2\n    tasks:\n      server:\n        goal: RUNNING\n        cmd: echo stored > vol/data && sleep 1000\n' +
        '        cpus: 0.1\n        memory: 32\n        volume:\n          path: vol\n          type: MOUNT\n          size: 100\n',
    );
    expect(await cluster.cli('install', at)).toMatchObject({ code: 0, stderr: '' });
    const steps = await eventually(
      async () => {
        const p = (await cluster.get<PlanBody>('/v1/service/mounted/plans/deploy')).body;
        const s = p.phases[0].steps;
        if (s[0].status !== 'COMPLETE' || s[1].status !== 'PREPARED') throw new Error(JSON.stringify(s));
        return s;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'db-0 COMPLETE and db-1 evaluated' },
    );
    expect(await hosts('mounted')).toEqual({ 'db-0-server': 'b1' });
    // The volume is a directory on the disk, named by its persistence id.
    const volumes = readdirSync(disk);
    expect(volumes).toHaveLength(1);
    await eventually(() => expect(readFileSync(join(disk, volumes[0], 'data'), 'utf8')).toBe('stored\n'));
    expect(steps[1].message).toMatch(/^no agent fits: (a1|a2|b1): FAIL\(VolumeEvaluationStage\): Failed to find MOUNT volume for 'vol: MOUNT ≥ 100 MB, no profile'\.$/);
  });
});
