import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import { subjectsFor } from '@marshal/contracts';
import { ManagedProcess, eventually, freePort, startPostgresServer } from '@marshal/testing';
import { plan, universePackage, writeOptions } from './plans-support';
import { root, startCluster, type Cluster } from './support';

const run = promisify(execFile);
const GATEWAY_MAIN = join(root, 'apps', 'gateway', 'dist', 'main.js');
const CLI_MAIN = join(root, 'apps', 'cli', 'dist', 'main.js');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function node(args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A certificate authority and a certificate it signed for 127.0.0.1, made with openssl for this test only. */
function makeCertificates(): { dir: string; ca: string; cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'marshal-tls-'));
  const sh = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  sh(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1',
    '-subj', '/CN=Marshal e2e CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  sh(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'gateway.key', '-out', 'gateway.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  sh(['x509', '-req', '-in', 'gateway.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'gateway.pem', '-days', '1', '-extfile', 'ext.cnf']);
  return { dir, ca: join(dir, 'ca.pem'), cert: join(dir, 'gateway.pem'), key: join(dir, 'gateway.key') };
}

/** Per-subject message counts of a service's plan subject: any command the plan-manager accepted appends there. */
async function planSubjectCount(cluster: Cluster, service: string): Promise<number> {
  const nc = await connect(cluster.nats.clientOptions());
  try {
    const subjects = subjectsFor(cluster.namespace);
    const info = await (await jetstreamManager(nc)).streams.info(subjects.stream, { subjects_filter: subjects.servicePlan(service) });
    return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  } finally {
    await nc.close();
  }
}

/** Every process's command line on this machine (Linux /proc): what any local user can read with ps. */
function allCommandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    } catch (e) {
      // A process that ended between the listing and the read has no command line any more.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }
  return lines;
}

describe('security edges: operator input, the gateway door, TLS, the embedded database', () => {
  let cluster: Cluster;
  const extra: ManagedProcess[] = [];
  /** The environment the ensemble gave its gateway: another gateway of the same cluster starts from it. */
  let gatewayEnv: Record<string, string>;

  beforeAll(async () => {
    // A loaded machine can take a while to start eight processes.
    cluster = await startCluster([{ id: 'agent-1', zone: 'zone-a' }], { readyTimeoutMs: 180_000 });
    gatewayEnv = cluster.ensemble.process('gateway').spec.env;
    expect(await cluster.cli('install', universePackage('sidecar.yml'), '--options', writeOptions({ service: { name: 'sidecar' } }))).toMatchObject({ code: 0 });
    await cluster.waitForPlan('sidecar', 'deploy', 'COMPLETE', 120_000);
  }, 420_000);
  afterAll(async () => {
    await Promise.all(extra.map((p) => p.stop(5_000)));
    await cluster?.stop();
  });

  it('a plan parameter LD_PRELOAD is refused with 400 naming it, through HTTP, the CLI and straight over NATS; nothing is appended', async () => {
    const before = await planSubjectCount(cluster, 'sidecar');
    const planBefore = await plan(cluster, 'sidecar', 'sidecar-parameterized');
    expect(planBefore.status).toBe('WAITING');

    const res = await fetch(`${cluster.ensemble.gatewayUrl}/v1/service/sidecar/plans/sidecar-parameterized/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.ensemble.tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ PLAN_PARAMETER: 'x', LD_PRELOAD: '/tmp/evil.so' }),
    });
    expect({ status: res.status, text: await res.text() }).toEqual({
      status: 400,
      text: "Couldn't parse parameters: LD_PRELOAD may not be set by a plan parameter: it changes which code the task's shell, loader or runtime runs",
    });

    const viaCli = await cluster.cli('--name', 'sidecar', 'plan', 'start', 'sidecar-parameterized', '-p', 'BASH_ENV=/tmp/evil.sh');
    expect(viaCli.code).not.toBe(0);
    expect(viaCli.stderr).toContain("Couldn't parse parameters: BASH_ENV may not be set by a plan parameter");

    // A sender that skips the gateway (the admin identity here: no other role may send operator commands) meets the
    // same rule in plan-manager.
    const nc = await connect(cluster.nats.clientOptions());
    try {
      const m = await nc.request(
        subjectsFor(cluster.namespace).command('plan.command'),
        JSON.stringify({
          meta: { commandId: 'forged-ld', actor: 'admin:e2e', correlationId: 'forged-ld' },
          service: 'sidecar',
          plan: 'sidecar-parameterized',
          action: 'start',
          parameters: { JAVA_TOOL_OPTIONS: '-javaagent:/tmp/evil.jar' },
        }),
        { timeout: 30_000 },
      );
      expect(m.json()).toMatchObject({ ok: false, error: { message: "Couldn't parse parameters: JAVA_TOOL_OPTIONS may not be set by a plan parameter: it changes which code the task's shell, loader or runtime runs" } });
    } finally {
      await nc.close();
    }

    expect(await planSubjectCount(cluster, 'sidecar')).toBe(before);
    expect(await plan(cluster, 'sidecar', 'sidecar-parameterized')).toEqual(planBefore);
  });

  it('an operator request with a viewer token is refused (403), logged with who tried, counted, and appends nothing', async () => {
    const before = await planSubjectCount(cluster, 'sidecar');
    const res = await fetch(`${cluster.ensemble.gatewayUrl}/v1/service/sidecar/plans/sidecar/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.ensemble.tokens.viewer}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('this needs the operator role; the token of viewer has viewer');

    const metrics = await (await fetch(`${cluster.ensemble.gatewayUrl}/v1/metrics/prometheus`, { headers: { authorization: `Bearer ${cluster.ensemble.tokens.viewer}` } })).text();
    expect(metrics).toMatch(/marshal_gateway_auth_refusals_total\{reason="forbidden",method="POST",route="\/v1\/service\/:service\/plans\/:plan\/start"\} [1-9]/);
    const log = readFileSync(cluster.ensemble.process('gateway').spec.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('request refused: FORBIDDEN'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log).toContainEqual(expect.objectContaining({ method: 'POST', subject: 'viewer', role: 'viewer', needed: 'operator', url: '/v1/service/sidecar/plans/sidecar/start' }));
    expect(await planSubjectCount(cluster, 'sidecar')).toBe(before);
    expect((await plan(cluster, 'sidecar', 'sidecar')).status).toBe('WAITING');
  });

  it('AUTH_DISABLED is refused on an address other machines can reach, and works on loopback only', async () => {
    const port = await freePort();
    const refused = await node([GATEWAY_MAIN], { ...gatewayEnv, PORT: String(port), HOST: '0.0.0.0', AUTH_DISABLED: 'true', MARSHAL_TOKENS: '', INSTANCE_ID: 'gateway-open' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('gateway: AUTH_DISABLED=true is refused because HOST=0.0.0.0 is not a loopback address');
    expect(await fetch(`http://127.0.0.1:${port}/v1/services`).then((r) => r.status, (e: Error) => e.message)).toBe('fetch failed');

    const loopbackPort = await freePort();
    const loopback = new ManagedProcess({
      name: 'gateway-loopback',
      command: process.execPath,
      args: [GATEWAY_MAIN],
      cwd: root,
      env: { ...gatewayEnv, PORT: String(loopbackPort), HOST: '127.0.0.1', AUTH_DISABLED: 'true', MARSHAL_TOKENS: '', INSTANCE_ID: 'gateway-loopback' },
      logFile: join(cluster.stateDir, 'logs', 'gateway-loopback.log'),
    });
    extra.push(loopback);
    loopback.start();
    const services = await eventually(
      async () => {
        if (loopback.exitedUnasked) throw new Error(`gateway-loopback ${loopback.exitedUnasked}: ${readFileSync(loopback.spec.logFile, 'utf8').slice(-2000)}`);
        const r = await fetch(`http://127.0.0.1:${loopbackPort}/v1/services`);
        return (await r.json()) as { name: string }[];
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the loopback gateway answering without a token' },
    );
    expect(services.map((s) => s.name)).toContain('sidecar');
    await loopback.stop(5_000);
  }, 120_000);

  it('a gateway with TLS_CERT/TLS_KEY serves HTTPS: the CLI works with --ca or MARSHAL_CA, refuses an untrusted certificate, plain HTTP gets nothing', async () => {
    const tls = makeCertificates();
    const port = await freePort();
    const gw = new ManagedProcess({
      name: 'gateway-tls',
      command: process.execPath,
      args: [GATEWAY_MAIN],
      cwd: root,
      env: { ...gatewayEnv, PORT: String(port), HOST: '127.0.0.1', TLS_CERT: tls.cert, TLS_KEY: tls.key, INSTANCE_ID: 'gateway-tls' },
      logFile: join(cluster.stateDir, 'logs', 'gateway-tls.log'),
    });
    extra.push(gw);
    gw.start();
    const url = `https://127.0.0.1:${port}`;
    // The token travels in the environment, as it should everywhere.
    const env = { ...process.env, MARSHAL_URL: url, MARSHAL_TOKEN: cluster.ensemble.tokens.admin, MARSHAL_SERVICE: 'sidecar', MARSHAL_CA: '' };
    const plans = await eventually(
      async () => {
        if (gw.exitedUnasked) throw new Error(`gateway-tls ${gw.exitedUnasked}: ${readFileSync(gw.spec.logFile, 'utf8').slice(-2000)}`);
        const r = await node([CLI_MAIN, '--ca', tls.ca, 'plan', 'list'], env);
        if (r.code !== 0) throw new Error(r.stderr);
        return JSON.parse(r.stdout) as string[];
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the CLI over HTTPS' },
    );
    expect(plans).toEqual(['deploy', 'recovery', 'sidecar', 'sidecar-parameterized', 'sidecar-toxic']);

    // An operator command over HTTPS goes all the way to plan-manager and into the log.
    const before = await planSubjectCount(cluster, 'sidecar');
    const started = await node([CLI_MAIN, 'plan', 'start', 'sidecar-parameterized', '-p', 'PLAN_PARAMETER=over-tls'], { ...env, MARSHAL_CA: tls.ca });
    expect(started).toMatchObject({ code: 0, stdout: '{\n  "message": "Received cmd: start sidecar-parameterized with parameters: {PLAN_PARAMETER=over-tls}"\n}\n' });
    expect(await planSubjectCount(cluster, 'sidecar')).toBeGreaterThan(before);

    const untrusted = await node([CLI_MAIN, 'plan', 'list'], env);
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toContain(`The certificate of the Marshal gateway at ${url} is not trusted`);
    expect(untrusted.stderr).toContain('--ca <file> or MARSHAL_CA');

    const badCa = await node([CLI_MAIN, '--ca', join(tls.dir, 'missing.pem'), 'plan', 'list'], env);
    expect(badCa).toMatchObject({ code: 2 });
    expect(badCa.stderr).toContain(`--ca ${join(tls.dir, 'missing.pem')}: cannot read the certificate authority file`);

    const plain = await fetch(`http://127.0.0.1:${port}/v1/services`, { headers: { authorization: `Bearer ${cluster.ensemble.tokens.viewer}` } }).then(
      (r) => r.status,
      (e: Error) => e.message,
    );
    expect(plain).not.toBe(200);
  }, 120_000);

  it('no token of the cluster is on any command line', () => {
    const { admin, operator, viewer } = cluster.ensemble.tokens;
    const leaking = allCommandLines().filter((l) => [admin, operator, viewer].some((t) => l.includes(t)));
    expect(leaking).toEqual([]);
  });

  it('the embedded PostgreSQL (as npm start runs it) refuses a connection without its password or with a wrong one', async () => {
    const pg = await startPostgresServer();
    try {
      const anon = new Client({ host: '127.0.0.1', port: pg.port, user: 'postgres', database: 'postgres' });
      await expect(anon.connect()).rejects.toThrow(/password/);
      const wrong = new Client({ host: '127.0.0.1', port: pg.port, user: 'postgres', password: 'not-the-password', database: 'postgres' });
      await expect(wrong.connect()).rejects.toThrow('password authentication failed for user "postgres"');
      const ok = new Client({ connectionString: pg.url });
      await ok.connect();
      expect((await ok.query('select current_user as u')).rows).toEqual([{ u: 'postgres' }]);
      await ok.end();
    } finally {
      await pg.stop();
    }
  }, 120_000);
});
