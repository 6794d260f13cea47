import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '@marshal/testing';
import { root, startCluster, type Cluster } from './support';

const sh = promisify(execFile);

function writeOptions(options: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'marshal-options-')), 'options.json');
  writeFileSync(file, JSON.stringify(options));
  return file;
}
const readme = (): string => readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('lists every configuration variable the services read, as they describe themselves', () => {
    const table = /<!-- config:begin -->\n([\s\S]*?)<!-- config:end -->/.exec(readme())?.[1];
    const generated = execFileSync(process.execPath, [join(root, 'tools', 'ci', 'config-table.mjs')], { encoding: 'utf8' });
    expect(table).toBe(generated);
  });

  it('the documented link makes `marshal` work outside the repository', async () => {
    const link = /`(ln -s "\$PWD\/apps\/cli\/bin\/marshal\.js" ~\/\.local\/bin\/marshal)`/.exec(readme())?.[1];
    expect(link).toBeDefined();
    const home = mkdtempSync(join(tmpdir(), 'marshal-home-'));
    mkdirSync(join(home, '.local', 'bin'), { recursive: true });
    await sh('sh', ['-c', link ?? 'false'], { cwd: root, env: { ...process.env, HOME: home } });
    const { stdout } = await sh(join(home, '.local', 'bin', 'marshal'), ['--help'], { cwd: home, env: { ...process.env, HOME: home } });
    expect(stdout).toContain('Usage: marshal');
  });

  describe('the commands it suggests after npm start run as written, in order', () => {
    let cluster: Cluster;
    beforeAll(async () => {
      // What npm start leaves running: three agents in three zones, hello-world installed and deployed.
      cluster = await startCluster([
        { id: 'agent-1', zone: 'zone-a', cpus: 2, memoryMb: 4096 },
        { id: 'agent-2', zone: 'zone-b', cpus: 2, memoryMb: 4096 },
        { id: 'agent-3', zone: 'zone-c', cpus: 2, memoryMb: 4096 },
      ]);
      expect(await cluster.cli('install', join(root, 'examples', 'hello-world'))).toMatchObject({ code: 0 });
      await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE');
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('every line of the "Then, for example" block exits 0, with the environment npm start prints', async () => {
      const block = /<!-- readme-commands:begin -->\n```sh\n([\s\S]*?)```\n<!-- readme-commands:end -->/.exec(readme())?.[1];
      expect(block).toBeDefined();
      const lines = (block ?? '').split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
      expect(lines.length).toBeGreaterThanOrEqual(3);
      const env = {
        ...process.env,
        MARSHAL_URL: cluster.ensemble.gatewayUrl,
        MARSHAL_TOKEN: cluster.ensemble.tokens.admin,
        MARSHAL_SERVICE: '',
      };
      for (const line of lines) {
        const r = await sh('sh', ['-c', line], { cwd: root, env }).then(
          (o) => ({ code: 0, ...o }),
          (e: { code: number; stdout: string; stderr: string }) => e,
        );
        expect({ line, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ line, code: 0, stderr: '' });
      }
      // The second service was installed with the options file the README names, and deploys.
      const plan = await cluster.waitForPlan('hello-2', 'deploy', 'COMPLETE');
      expect(plan.phases[0].steps.map((s) => s.name)).toEqual(['hello-0:[server]', 'hello-1:[server]']);
      // Installed with --name hello-2, it says so.
      expect(JSON.parse((await cluster.cli('--name', 'hello-2', 'describe')).stdout)).toMatchObject({ service: { name: 'hello-2' }, hello: { count: 2 } });
    });

    it('verbose health of a deploy that waits for resources says why (the 204 code in value and a header)', async () => {
      expect(await cluster.cli('install', join(root, 'examples', 'hello-world'), '--name', 'too-big', '--options', writeOptions({ hello: { cpus: 64 } }))).toMatchObject({ code: 0 });
      await eventually(async () => expect((await cluster.get('/v1/service/too-big/health', { fresh: true })).status).toBe(204), { timeoutMs: 30_000 });
      const res = await fetch(`${cluster.ensemble.gatewayUrl}/v1/service/too-big/health?verbose=true`, { headers: { authorization: `Bearer ${cluster.ensemble.tokens.viewer}` } });
      expect({ status: res.status, header: res.headers.get('x-marshal-health') }).toEqual({ status: 200, header: '204' });
      const body = (await res.json()) as { value: number; reasons: string[] };
      expect(body.value).toBe(204);
      expect(body.reasons.length).toBeGreaterThan(0);
    });

    it('an operator command answers with its id (X-Marshal-Command), and events chain of that id shows what it caused', async () => {
      const res = await fetch(`${cluster.ensemble.gatewayUrl}/v1/service/hello-world/pod/hello-0/restart`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cluster.ensemble.tokens.admin}` },
      });
      expect(res.status).toBe(200);
      const id = res.headers.get('x-marshal-command');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await eventually(
        async () => {
          const chain = await cluster.cli('events', 'chain', id ?? '', '--json');
          const types = (JSON.parse(chain.stdout) as { events: { type: string }[] }).events.map((e) => e.type);
          expect(types).toEqual(expect.arrayContaining(['PodRestartRequested', 'TaskKillRequested', 'TaskLaunched']));
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    });

    it('events chain takes the sequence `marshal events` shows (231 or #231) as well as the event id', async () => {
      const listed = await cluster.cli('events', '--type', 'ConfigurationAccepted', '--json');
      const install = JSON.parse(listed.stdout.split('\n')[0]) as { seq: number; id: string };
      for (const ref of [String(install.seq), `#${install.seq}`]) {
        const chain = await cluster.cli('events', 'chain', ref, '--json');
        expect({ ref, code: chain.code }).toEqual({ ref, code: 0 });
        expect(JSON.parse(chain.stdout)).toMatchObject({ id: install.id, events: expect.arrayContaining([expect.objectContaining({ id: install.id, seq: install.seq })]) });
      }
      const missing = await cluster.cli('events', 'chain', '#99999999');
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('No event at sequence 99999999');
    });
  });
});
