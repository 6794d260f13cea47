import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { eventually } from '@marshal/testing';
import { writeOptions } from './plans-support';
import { root, startCluster, type Cluster, type PlanBody } from './support';

const AGENTS = ['agent-1', 'agent-2'];
const SERVICE = 'hello-world';
const ALREADY = 'Command has already been reported or completed';

/**
 * "the HTTP query cases of §9.10 and the CLI cases of §9.13 pass against a running ensemble": hello-world
 * with two pods on real agents, steered over HTTP (reference §9.10) and through the CLI (§7.7), and its state (§6.6). Pod commands are
 * covered by plans-pods.e2e.spec.ts, route errors by surface-routes.e2e.spec.ts.
 */
describe('HTTP queries (reference §9.10) and CLI cases (§7.7) against a running ensemble', () => {
  let cluster: Cluster;

  /** A request as an operator; `seq` is the log sequence the answer carried (X-Marshal-Seq). */
  const http = async (method: string, path: string, body?: unknown): Promise<{ status: number; text: string; seq?: string }> => {
    const res = await fetch(`${cluster.ensemble.gatewayUrl}/v1/service/${SERVICE}/${path}`, {
      method,
      headers: { authorization: `Bearer ${cluster.ensemble.tokens.operator}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text(), seq: res.headers.get('x-marshal-seq') ?? undefined };
  };
  /** The deploy plan, including the write that answered with `seq`. */
  const deploy = async (seq?: string): Promise<PlanBody> => JSON.parse((await http('GET', `plans/deploy${seq ? `?seq=${seq}` : ''}`)).text) as PlanBody;
  const steps = (p: PlanBody) => p.phases.flatMap((ph) => ph.steps.map((s) => `${s.name} ${s.status}`));
  const message = (text: string) => `{\n  "message": "${text}"\n}`;
  const marshal = (...args: string[]) => cluster.cli('--name', SERVICE, ...args);

  beforeAll(async () => {
    cluster = await startCluster(AGENTS.map((id, i) => ({ id, zone: `zone-${i}` })));
    expect((await cluster.cli('install', join(root, 'examples', 'hello-world'), '--options', writeOptions({ hello: { count: 2 } }), '--wait')).code).toBe(0);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('9.10 list → 200 with the plan names; get: complete → 200, unknown → 404', async () => {
    expect(await http('GET', 'plans')).toMatchObject({ status: 200 });
    expect(JSON.parse((await http('GET', 'plans')).text)[0]).toBe('deploy');
    expect(await http('GET', 'plans/deploy')).toMatchObject({ status: 200, text: expect.stringContaining('"status": "COMPLETE"') });
    expect(await http('GET', 'plans/nope')).toMatchObject({ status: 404, text: 'Plan nope not found' });
  });

  it('serves a plan gzipped to a client that accepts gzip, and as it is to one that does not', async () => {
    /** Raw bytes and headers (fetch would decompress by itself). */
    const raw = (acceptEncoding?: string) =>
      new Promise<{ headers: Record<string, unknown>; bytes: Buffer }>((resolve, reject) => {
        const headers: Record<string, string> = { authorization: `Bearer ${cluster.ensemble.tokens.viewer}`, ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}) };
        request(`${cluster.ensemble.gatewayUrl}/v1/service/${SERVICE}/plans/deploy`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, bytes: Buffer.concat(chunks) }));
        })
          .on('error', reject)
          .end();
      });
    const plain = await raw();
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.bytes.length).toBeGreaterThan(860);
    const gzipped = await raw('gzip, deflate');
    expect(gzipped.headers).toMatchObject({ 'content-encoding': 'gzip', vary: 'accept-encoding' });
    expect(gzipped.bytes.length).toBeLessThan(plain.bytes.length / 2);
    expect(gunzipSync(gzipped.bytes).toString()).toBe(plain.bytes.toString());
    expect((await raw('gzip;q=0')).headers['content-encoding']).toBeUndefined();
  });

  it('9.10 continue and interrupt of a complete plan or phase, by name or UUID → 208; an unknown phase → 404', async () => {
    const phaseId = (await deploy()).phases[0].id;
    for (const q of ['', '?phase=hello', `?phase=${phaseId}`]) {
      expect(await http('POST', `plans/deploy/continue${q}`)).toMatchObject({ status: 208, text: ALREADY });
      expect(await http('POST', `plans/deploy/interrupt${q}`)).toMatchObject({ status: 208, text: ALREADY });
    }
    expect(await http('POST', 'plans/deploy/continue?phase=nope')).toMatchObject({ status: 404, text: 'Phase nope not found' });
    expect(await http('POST', 'plans/deploy/interrupt?phase=nope')).toMatchObject({ status: 404, text: 'Phase nope not found' });
  });

  it('9.10 forceComplete of a complete step → 208; a step without its phase → 400 Missing phase (restart too)', async () => {
    expect(await http('POST', 'plans/deploy/forceComplete?phase=hello&step=hello-0:[server]')).toMatchObject({ status: 208, text: ALREADY });
    expect(await http('POST', 'plans/deploy/forceComplete?step=hello-0:[server]')).toMatchObject({ status: 400, text: 'Missing phase' });
    expect(await http('POST', 'plans/deploy/restart?step=hello-0:[server]')).toMatchObject({ status: 400, text: 'Missing phase' });
  });

  it('9.10 stop → 200: the plan is interrupted and its steps reset; interrupting again → 208', async () => {
    const stop = await http('POST', 'plans/deploy/stop');
    expect(stop).toMatchObject({ status: 200, text: message('Received cmd: stop') });
    const plan = await deploy(stop.seq);
    expect(plan.status).toBe('WAITING');
    expect(steps(plan)).toEqual(['hello-0:[server] PENDING', 'hello-1:[server] PENDING']);
    expect(await http('POST', 'plans/deploy/interrupt')).toMatchObject({ status: 208, text: ALREADY });
  });

  it('9.10 forceComplete of an unknown step → 404, the steps untouched; by UUIDs → 200 and the step COMPLETE', async () => {
    expect(await http('POST', 'plans/deploy/forceComplete?phase=hello&step=nope')).toMatchObject({ status: 404, text: 'Step nope not found' });
    const before = await deploy();
    expect(steps(before)).toEqual(['hello-0:[server] PENDING', 'hello-1:[server] PENDING']);
    const [phase, step] = [before.phases[0].id, before.phases[0].steps[1].id];
    const r = await http('POST', `plans/deploy/forceComplete?phase=${phase}&step=${step}`);
    expect(r).toMatchObject({ status: 200, text: message(`Received cmd: forceComplete for Plan: deploy, Phase: ${phase}, Step: ${step}`) });
    expect(steps(await deploy(r.seq))).toEqual(['hello-0:[server] PENDING', 'hello-1:[server] COMPLETE']);
  });

  it('9.10 restart of a step by name → 200, the step PENDING again; continue → 200 and the plan runs to COMPLETE; again → 208', async () => {
    const r = await http('POST', 'plans/deploy/restart?phase=hello&step=hello-1:[server]');
    expect(r).toMatchObject({ status: 200, text: message('Received cmd: restart for Plan: deploy, Phase: hello, Step: hello-1:[server]') });
    expect(steps(await deploy(r.seq))).toEqual(['hello-0:[server] PENDING', 'hello-1:[server] PENDING']);
    // Still interrupted: nothing runs until the plan is continued.
    expect((await deploy()).status).toBe('WAITING');
    expect(await http('POST', 'plans/deploy/continue')).toMatchObject({ status: 200, text: message('Received cmd: continue') });
    await cluster.waitForPlan(SERVICE, 'deploy', 'COMPLETE');
    expect(await http('POST', 'plans/deploy/continue')).toMatchObject({ status: 208, text: ALREADY });
  });

  it('9.10 phase-level and plan-level forceComplete → 200', async () => {
    await http('POST', 'plans/deploy/stop');
    const phase = await http('POST', 'plans/deploy/forceComplete?phase=hello');
    expect(phase).toMatchObject({ status: 200, text: message('Received cmd: forceComplete for Plan: deploy, Phase: hello, Step: null') });
    expect((await deploy(phase.seq)).status).toBe('COMPLETE');
    await http('POST', 'plans/deploy/stop');
    const plan = await http('POST', 'plans/deploy/forceComplete');
    expect(plan).toMatchObject({ status: 200, text: message('Received cmd: forceComplete for Plan: deploy, Phase: null, Step: null') });
    expect((await deploy(plan.seq)).status).toBe('COMPLETE');
  });

  it('9.10 start: unknown → 404; a key that is no environment variable name → 400; a complete plan restarts and runs again → 200', async () => {
    expect(await http('POST', 'plans/nope/start', {})).toMatchObject({ status: 404, text: 'Plan nope not found' });
    expect(await http('POST', 'plans/deploy/start', { 'not-valid-envname': 'x' })).toMatchObject({
      status: 400,
      text: "Couldn't parse parameters: not-valid-envname is not a valid environment variable name",
    });
    const r = await http('POST', 'plans/deploy/start', {});
    expect(r).toMatchObject({ status: 200, text: message('Received cmd: start deploy with parameters: {}') });
    expect((await deploy(r.seq)).status).not.toBe('COMPLETE');
    await cluster.waitForPlan(SERVICE, 'deploy', 'COMPLETE');
  });

  it('9.10 pods: names sorted, the status tree, one pod, its TaskInfo and TaskStatus', async () => {
    expect(JSON.parse((await http('GET', 'pod')).text)).toEqual(['hello-0', 'hello-1']);
    const tree = JSON.parse((await http('GET', 'pod/status')).text) as { service: string; pods: { name: string; instances: { name: string; tasks: { name: string; status: string }[] }[] }[] };
    expect(tree).toMatchObject({
      service: SERVICE,
      pods: [{ name: 'hello', instances: [{ name: 'hello-0', tasks: [{ name: 'hello-0-server', status: 'RUNNING' }] }, { name: 'hello-1', tasks: [{ name: 'hello-1-server', status: 'RUNNING' }] }] }],
    });
    expect(JSON.parse((await http('GET', 'pod/hello-1/status')).text)).toMatchObject({ name: 'hello-1', tasks: [{ name: 'hello-1-server', status: 'RUNNING' }] });
    const info = JSON.parse((await http('GET', 'pod/hello-0/info?view=marshal')).text) as { info: { taskName: string }; status: { state: string } }[];
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({ info: { taskName: 'hello-0-server' }, status: { state: 'TASK_RUNNING' } });
  });

  it('7.7 plan start -p: a definition without = is refused; values keep spaces and =, echoed by the scheduler', async () => {
    expect(await marshal('plan', 'start', 'deploy', '-p', 'var value')).toMatchObject({ code: 2, stderr: 'Must have one variable name and one variable value per definition\n' });
    const r = await marshal('plan', 'start', 'deploy', '-p', 'var=value', '-p', 'var2=value2', '-p', 'var3=value more', '-p', 'var4=value=more', '--wait');
    expect(r.code).toBe(0);
    const reply = JSON.parse(r.stdout.slice(0, r.stdout.indexOf('}\n') + 1)) as { message: string };
    expect(reply.message).toMatch(/^Received cmd: start deploy with parameters: \{/);
    for (const kv of ['var=value', 'var2=value2', 'var3=value more', 'var4=value=more']) expect(reply.message).toContain(kv);
    expect(r.stdout).toContain('deploy (serial strategy) (COMPLETE)\n');
  });

  it('7.7 the texts of pause, resume, force-complete and force-restart of a phase or step; a 208 and a 404', async () => {
    expect(await marshal('plan', 'pause', 'deploy', 'hello')).toMatchObject({ code: 6, stderr: 'Cannot execute command. Command has already been issued or the plan has completed\n' });
    expect((await marshal('plan', 'stop', 'deploy')).code).toBe(0);
    expect(await marshal('plan', 'force-complete', 'deploy', 'hello', 'hello-0:[server]')).toMatchObject({
      code: 0,
      stdout: '"deploy" plan: step "hello-0:[server]" in phase "hello" has been forced to complete.\n',
    });
    expect(await marshal('plan', 'force-restart', 'deploy', 'hello', 'hello-0:[server]')).toMatchObject({
      code: 0,
      stdout: '"deploy" plan: step "hello-0:[server]" in phase "hello" has been restarted.\n',
    });
    expect(await marshal('plan', 'pause', 'deploy', 'hello')).toMatchObject({ code: 0, stdout: '"deploy" plan: phase "hello" has been paused.\n' });
    expect(await marshal('plan', 'resume', 'deploy', 'hello')).toMatchObject({ code: 0, stdout: '"deploy" plan: phase "hello" has been resumed.\n' });
    // reference §10.3 quirk 7, fixed: the scheduler's own 404 text is shown, with the phases that exist.
    expect(await marshal('plan', 'resume', 'deploy', 'nope')).toMatchObject({ code: 5, stderr: 'Phase nope not found. Phases: hello.\n' });
    // The stop interrupted the plan itself: resuming the plan lets it run to the end.
    const resumed = await marshal('plan', 'resume', 'deploy', '--wait');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout.split('\n')[0]).toBe('"deploy" plan has been resumed.');
    expect(resumed.stdout.endsWith('[████████████████████████] 2/2 steps complete\n')).toBe(true);
  });

  it('7.7 pod trees of the service and of one pod; describe; update package-versions', async () => {
    expect((await marshal('pod', 'status')).stdout).toBe(
      'hello-world\n└─ hello\n   ├─ hello-0\n   │  └─ hello-0-server (RUNNING)\n   └─ hello-1\n      └─ hello-1-server (RUNNING)\n',
    );
    expect((await marshal('pod', 'status', 'hello-1')).stdout).toBe('hello-1\n└─ hello-1-server (RUNNING)\n');
    expect(JSON.parse((await marshal('describe')).stdout)).toMatchObject({ hello: { count: 2 } });
    expect((await marshal('update', 'package-versions')).stdout).toBe('Current package version is: 1.0.0\nNo valid package downgrade versions.\nNo valid package upgrade versions.\n');
  });

  it('6.6 state: framework id, properties, files that survive a gateway restart, zones', async () => {
    const configs = JSON.parse((await http('GET', 'configurations')).text) as string[];
    expect(JSON.parse((await http('GET', 'state/frameworkId')).text)).toEqual([configs[0]]);
    expect(JSON.parse((await http('GET', 'state/properties')).text)).toEqual(['last-completed-update-type']);
    expect(await http('GET', 'state/properties/last-completed-update-type')).toMatchObject({ status: 200, text: 'DEPLOY' });

    const upload = async (name: string, bytes: Buffer) => {
      const form = new FormData();
      form.append('file', new Blob([bytes]), name);
      const res = await fetch(`${cluster.ensemble.gatewayUrl}/v1/service/${SERVICE}/state/files/${name}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${cluster.ensemble.tokens.operator}` },
        body: form,
      });
      return { status: res.status, text: await res.text() };
    };
    expect(await upload('hosts', Buffer.from('10.0.0.1 hello-0\n'))).toEqual({ status: 200, text: '' });
    expect(await upload('full', Buffer.alloc(1024, 'a'))).toEqual({ status: 200, text: '' });
    expect(await upload('big', Buffer.alloc(1025, 'a'))).toEqual({ status: 400, text: 'Stream exceeds 1024 byte size limit' });

    const gateway = cluster.ensemble.process('gateway');
    await gateway.stop();
    gateway.start();
    await eventually(async () => expect((await http('GET', 'state/files')).status).toBe(200), { timeoutMs: 30_000 });
    expect(await http('GET', 'state/files')).toMatchObject({ text: '[full, hosts]' });
    expect(await http('GET', 'state/files/hosts')).toMatchObject({ status: 200, text: '10.0.0.1 hello-0\n' });
    expect(await http('GET', 'state/files/big')).toMatchObject({ status: 404, text: 'Failed to get the file' });
    expect(JSON.parse((await http('GET', 'state/properties')).text)).toEqual(['file-full', 'file-hosts', 'last-completed-update-type']);

    const zones = JSON.parse((await http('GET', 'state/zone/tasks')).text) as Record<string, string>;
    expect(Object.keys(zones)).toEqual(['hello-0-server', 'hello-1-server']);
    expect(Object.values(zones).every((z) => ['zone-0', 'zone-1'].includes(z))).toBe(true);
    expect(await http('GET', 'state/zone/tasks/hello-1-server')).toMatchObject({ status: 200, text: zones['hello-1-server'] });
  });

  it('9.10 get: a plan with errors → 417 (a rejected update attaches its errors to the deploy plan)', async () => {
    const r = await marshal('update', 'start', '--options', writeOptions({ hello: { count: 1 } }));
    expect(r.code).toBe(1);
    await eventually(async () => expect((await http('GET', 'plans/deploy')).status).toBe(417));
    const shown = await marshal('plan', 'status', 'deploy');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/\nErrors:\n- /);
  });
});
