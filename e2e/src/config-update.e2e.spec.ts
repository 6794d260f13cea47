import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@marshal/testing';
import { root, startCluster, type Cluster } from './support';

function optionsFile(options: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'marshal-options-')), 'options.json');
  writeFileSync(path, JSON.stringify(options));
  return path;
}

/** Configurations online: install hello-world, describe it, update it, and see an invalid update rejected. */
describe('configurations end to end: describe and update through the CLI', () => {
  let cluster: Cluster;
  let firstId: string;
  let secondId: string;

  beforeAll(async () => {
    cluster = await startCluster([{ id: 'agent-1', zone: 'zone-a' }]);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const targetId = async (): Promise<string> => {
    const r = await cluster.get<string[]>('/v1/configurations/targetId');
    if (r.status !== 200) throw new Error(`targetId answered ${r.status}`);
    return r.body[0];
  };

  it('installs hello-world, and describe prints the stored options', async () => {
    expect(await cluster.cli('install', join(root, 'examples', 'hello-world'))).toMatchObject({ code: 0 });
    await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE');
    firstId = await targetId();

    const described = await cluster.cli('describe');
    expect(described).toMatchObject({ code: 0 });
    expect(JSON.parse(described.stdout)).toEqual({
      service: { name: 'hello-world', user: 'root' },
      hello: { count: 1, cpus: 0.1, mem: 32, disk: 25, placement: '', allow_decommission: false },
    });
  });

  it('update start changing hello.cpus prints the diff, and the new target id appears in /v1/configurations/targetId', async () => {
    const updated = await cluster.cli('--name', 'hello-world', 'update', 'start', '--options', optionsFile({ hello: { cpus: 0.2 } }));
    expect(updated).toMatchObject({ code: 0 });
    expect(updated.stdout).toMatch(/^--- ServiceSpec\.old\n\+\+\+ ServiceSpec\.new\n@@ .* pods\.hello\.resourceSets\.server-resource-set\.cpus\n/);
    expect(updated.stdout).toMatch(/^-\s+"cpus": 0\.1,\n\+\s+"cpus": 0\.2,$/m);
    expect(updated.stdout).toContain('Update started. Please use `marshal --name=hello-world update status` to view progress.');

    secondId = await eventually(async () => {
      const id = await targetId();
      if (id === firstId) throw new Error('target not moved yet');
      return id;
    });
    expect((await cluster.get('/v1/configurations')).body).toEqual([firstId, secondId]);
    expect(JSON.parse((await cluster.cli('describe')).stdout)).toMatchObject({ hello: { cpus: 0.2, count: 1 } });
  });

  it('an update decreasing the count without allow-decommission is rejected with the path and the reason; the target stays', async () => {
    const rejected = await cluster.cli('update', 'start', '--options', optionsFile({ hello: { count: 0 } }));
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toBe(
      "Update of hello-world rejected; the target configuration is unchanged:\npods.hello.count: New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks\n",
    );
    // Once the rejection is in the read models, the target is still the same.
    await eventually(async () => {
      const d = await cluster.get<{ lastErrors: unknown[] }>('/v1/services/hello-world');
      expect(d.body.lastErrors).toEqual([{ path: 'pods.hello.count', message: "New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks" }]);
    });
    expect(await targetId()).toBe(secondId);
    expect(JSON.parse((await cluster.cli('describe')).stdout)).toMatchObject({ hello: { count: 1, cpus: 0.2 } });
  });

  it('update status shows the deploy plan tree, with the rejected update attached as its error (reference §3.0 step 6)', async () => {
    const status = await cluster.cli('update', 'status');
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toMatch(
      /^deploy \(serial strategy\) \(ERROR\)\n└─ hello \(serial strategy\) \([A-Z_]+\)\n {3}└─ hello-0:\[server\] \([A-Z_]+\)\n\nErrors:\n- Field: 'pods\.hello\.count'; Message: 'New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks'; Fatal: false\n$/,
    );
  });

  it('the current options sent again clear the refusal (reference §3.8.2 step 2): deploy COMPLETE, health 200, nothing relaunched', async () => {
    const taskIds = async () => (await cluster.get<{ pods: { instances: { tasks: { id: string }[] }[] }[] }>('/v1/pod/status', { fresh: true })).body.pods.flatMap((p) => p.instances.flatMap((i) => i.tasks.map((t) => t.id)));
    const before = await taskIds();
    expect((await cluster.get('/v1/health')).status).toBe(500);
    const again = await cluster.cli('update', 'start', '--options', optionsFile({ hello: { cpus: 0.2 } }));
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain(`No change: the configuration equals the current target ${secondId}.`);
    await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE');
    expect((await cluster.cli('update', 'status')).stdout).toBe('deploy (serial strategy) (COMPLETE)\n└─ hello (serial strategy) (COMPLETE)\n   └─ hello-0:[server] (COMPLETE)\n');
    await eventually(async () => expect((await cluster.get('/v1/health', { fresh: true })).status).toBe(200));
    expect((await cluster.get<{ lastErrors: unknown[] }>('/v1/services/hello-world', { fresh: true })).body.lastErrors).toEqual([]);
    expect(await targetId()).toBe(secondId);
    expect(await taskIds()).toEqual(before);
  });

  it('with allow-decommission (an option of the example packages) the scale-down is accepted', async () => {
    const scaled = await cluster.cli('update', 'start', '--options', optionsFile({ hello: { count: 0, allow_decommission: true } }));
    expect(scaled).toMatchObject({ code: 0 });
    expect(JSON.parse((await cluster.cli('describe')).stdout)).toMatchObject({ hello: { count: 0, allow_decommission: true } });
    await cluster.waitForPlan('hello-world', 'decommission', 'COMPLETE');
  });

  it('an install whose package does not render is refused with the reason, and creates no service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'broken-pkg-'));
    for (const f of ['config.json', 'marathon.json.mustache', 'package.json', 'resource.json']) {
      writeFileSync(join(dir, f), readFileSync(join(root, 'examples', 'hello-world', f), 'utf8'));
    }
    writeFileSync(join(dir, 'svc.yml'), 'name: broken\npods:\n  p:\n    count: [unterminated\n');
    const r = await cluster.cli('install', dir);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/svc\.yml/);
    // One error, once, with where it is.
    expect(r.stderr.match(/YAML syntax error/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/svc\.yml: YAML syntax error: .+ \(line \d+, column \d+\)\n/);
    expect(r.stderr).not.toMatch(/subject token/);
    const services = (await cluster.get<{ name: string }[]>('/v1/services')).body;
    expect(services.map((x) => x.name)).not.toContain('broken');
  });
});
