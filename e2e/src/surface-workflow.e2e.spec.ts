import { join } from 'node:path';
import { eventually } from '@marshal/testing';
import { writeOptions } from './plans-support';
import { root, startCluster, type Cluster } from './support';

const AGENTS = ['agent-1', 'agent-2'];
const SERVICE = 'hello-web';
/**
 * The servers really listen: give the agents a port range of their own, away from the default 10000-20000 that other
 * ensembles on the machine offer too (a port another ensemble's task holds would answer for ours).
 */
const PORT_BASE = 30_000 + (process.pid % 200) * 100;

interface Endpoint {
  address: string[];
  dns: string[];
  vip?: string;
}

/** The end of a watched deploy of hello-web's two pods: the COMPLETE tree and a full progress bar. */
const COMPLETE_VIEW =
  'deploy (serial strategy) (COMPLETE)\n└─ web (serial strategy) (COMPLETE)\n   ├─ web-0:[server] (COMPLETE)\n   └─ web-1:[server] (COMPLETE)\n[████████████████████████] 2/2 steps complete\n';

/**
 * "an e2e test drives a full operator workflow through the CLI only": install with options, watch the
 * deploy, pause and resume a pod, restart a step, update the configuration and watch the rollout, list endpoints,
 * uninstall. The package is examples/hello-web: HTTP servers on an advertised port, gated by a readiness check.
 */
describe('an operator workflow through the CLI only', () => {
  let cluster: Cluster;
  const marshal = (...args: string[]) => cluster.cli('--name', SERVICE, ...args);

  /** The port endpoint `http` as the CLI prints it. */
  const endpoint = async (): Promise<Endpoint> => {
    const r = await marshal('endpoints', 'http');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Endpoint;
  };
  /** What each server behind the endpoint answers (the agents run on this machine, so each port is on loopback). */
  const answers = async (): Promise<string[]> =>
    Promise.all((await endpoint()).address.map(async (a) => (await fetch(`http://127.0.0.1:${a.split(':').pop()}/`)).text()));
  const podStatus = async (pod: string): Promise<{ id: string; name: string; status?: string }[]> => {
    const r = await marshal('pod', 'status', pod, '--json');
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { tasks: { id: string; name: string; status?: string }[] }).tasks;
  };

  beforeAll(async () => {
    cluster = await startCluster(AGENTS.map((id, i) => ({ id, zone: `zone-${i}`, ports: `${PORT_BASE + i * 50}-${PORT_BASE + i * 50 + 49}` })));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('installs hello-web with options and watches its deploy plan until COMPLETE', async () => {
    const options = writeOptions({ web: { count: 2, greeting: 'hello' } });
    const r = await cluster.cli('install', join(root, 'examples', 'hello-web'), '--options', options, '--wait');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^Installing hello-web \(configuration [0-9a-f-]{36}\)\. Watch it with: marshal --name hello-web plan status deploy\n/);
    expect(r.stdout.endsWith(COMPLETE_VIEW)).toBe(true);
    const described = await marshal('describe');
    expect(JSON.parse(described.stdout)).toMatchObject({ web: { count: 2, greeting: 'hello' } });
  });

  it('lists the endpoints: the advertised port, one address and DNS name per task, the VIP; each server answers', async () => {
    expect((await marshal('endpoints')).stdout).toBe('[\n  "http"\n]\n');
    const http = await endpoint();
    expect(http.address).toHaveLength(2);
    expect(http.dns).toEqual([
      expect.stringMatching(/^web-0-server\.hello-web\.autoip\.dcos\.thisdcos\.directory:\d+$/),
      expect.stringMatching(/^web-1-server\.hello-web\.autoip\.dcos\.thisdcos\.directory:\d+$/),
    ]);
    expect(http.vip).toBe('http.hello-web.l4lb.thisdcos.directory:80');
    expect(await answers()).toEqual(['hello from web-0-server\n', 'hello from web-1-server\n']);
  });

  it('pauses pod web-0 (its step shows PAUSED) and resumes it (RUNNING, the deploy COMPLETE again)', async () => {
    const paused = await marshal('debug', 'pod', 'pause', 'web-0');
    expect(paused).toMatchObject({ code: 0, stdout: '{\n  "pod": "web-0",\n  "tasks": [\n    "web-0-server"\n  ]\n}\n' });
    await eventually(async () => expect((await marshal('pod', 'status', 'web-0')).stdout).toBe('web-0\n└─ web-0-server (PAUSED)\n'), { timeoutMs: 30_000 });
    expect((await marshal('plan', 'status', 'deploy')).stdout).toContain('   ├─ web-0:[server] (PAUSED)\n');

    expect((await marshal('debug', 'pod', 'resume', 'web-0')).code).toBe(0);
    await eventually(async () => expect((await marshal('pod', 'status', 'web-0')).stdout).toBe('web-0\n└─ web-0-server (RUNNING)\n'), { timeoutMs: 30_000 });
    const watched = await marshal('plan', 'status', 'deploy', '--watch');
    expect(watched.code).toBe(0);
    expect(watched.stdout.endsWith(COMPLETE_VIEW)).toBe(true);
    expect(await answers()).toEqual(['hello from web-0-server\n', 'hello from web-1-server\n']);
  });

  it('restarts step web-1:[server] and watches it relaunch and complete; resuming a complete plan exits 6', async () => {
    const [before] = await podStatus('web-1');
    const r = await marshal('plan', 'force-restart', 'deploy', 'web', 'web-1:[server]', '--wait');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('"deploy" plan: step "web-1:[server]" in phase "web" has been restarted.');
    expect(r.stdout.endsWith(COMPLETE_VIEW)).toBe(true);
    const [after] = await podStatus('web-1');
    expect(after).toMatchObject({ name: 'web-1-server', status: 'RUNNING' });
    expect(after.id).not.toBe(before.id);

    // reference §7.7: a 208 is the original's error; Marshal exits 6 for it.
    expect(await marshal('plan', 'resume', 'deploy')).toMatchObject({ code: 6, stderr: 'Cannot execute command. Command has already been issued or the plan has completed\n' });
  });

  it('updates the greeting and watches the rollout: every server answers with the new one', async () => {
    const r = await marshal('update', 'start', '--options', writeOptions({ web: { greeting: 'bonjour' } }), '--wait');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('-            "GREETING": "hello"\n+            "GREETING": "bonjour"\n');
    expect(r.stdout).toContain('Update started.\n');
    expect(r.stdout.endsWith(COMPLETE_VIEW)).toBe(true);
    expect(await answers()).toEqual(['bonjour from web-0-server\n', 'bonjour from web-1-server\n']);
  });

  it('uninstalls hello-web, waiting until the service is gone and its servers stopped', async () => {
    const ports = (await endpoint()).address.map((a) => a.split(':').pop());
    const r = await cluster.cli('uninstall', SERVICE, '--wait');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Uninstalling hello-web. Watch it with: marshal --name hello-web plan status deploy');
    expect(r.stdout.endsWith('hello-web has been uninstalled.\n')).toBe(true);
    expect((await cluster.cli('services')).stdout).toBe('No service is installed.\n');
    for (const port of ports) await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('installs hello-web again under the same name once it is gone, and it deploys afresh', async () => {
    const r = await cluster.cli('install', join(root, 'examples', 'hello-web'), '--wait');
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith(COMPLETE_VIEW)).toBe(true);
    expect((await cluster.cli('services')).stdout).toMatch(/^hello-web\t.*deploy COMPLETE\n$/);
  });
});
