import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, nkeyAuthenticator, nkeys } from '@nats-io/transport-node';
import { inboxPrefixFor, subjectsFor } from '@marshal/contracts';
import { eventually, freePort, waitForPort } from '@marshal/testing';
import { CliError } from '../client';
import { buildProgram } from '../main';

async function credentials(...args: string[]): Promise<string> {
  let out = '';
  await buildProgram((s) => void (out += s)).parseAsync(['node', 'marshal', 'cluster', 'credentials', ...args]);
  return out;
}

describe('marshal cluster credentials', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'marshal-creds-')), 'nats');
  let server: ChildProcess | undefined;
  afterAll(() => void server?.kill('SIGKILL'));

  it('writes a key per role and agent (0600, in a 0700 directory) and refuses to overwrite them without --force', async () => {
    const out = await credentials(dir, '--agent', 'agent-1', '--agent', 'agent-2', '--namespace', 'creds-test');
    for (const name of ['spec-renderer', 'plan-manager', 'coordinator', 'offer-evaluator', 'state-projector', 'gateway', 'agent-agent-1', 'agent-agent-2', 'admin']) {
      const file = join(dir, `${name}.nk`);
      expect(out).toContain(`NATS_NKEY_SEED_FILE=${file}`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'auth.conf')).mode & 0o777).toBe(0o600);
    // The server config names public keys only: no seed in it.
    expect(readFileSync(join(dir, 'auth.conf'), 'utf8')).not.toMatch(/\bSU[A-Z0-9]{50,}/);
    const before = readFileSync(join(dir, 'gateway.nk'), 'utf8');
    await expect(credentials(dir)).rejects.toThrow(CliError);
    expect(readFileSync(join(dir, 'gateway.nk'), 'utf8')).toBe(before);
    await expect(credentials(join(dir, '..', 'other'), '--namespace', 'Bad NS')).rejects.toThrow(/--namespace Bad NS/);
    expect(existsSync(join(dir, '..', 'other'))).toBe(false);
  });

  it('gives nats-server a config under which only the gateway sends operator commands and an agent writes only its own subjects', async () => {
    const port = await freePort();
    server = spawn('nats-server', ['-c', join(dir, 'nats.conf'), '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, '..', 'store')], { stdio: 'ignore' });
    await waitForPort(port);
    const subjects = subjectsFor('creds-test');
    const as = async (name: string) => {
      const seed = new TextEncoder().encode(readFileSync(join(dir, `${name}.nk`), 'utf8').trim());
      const nc = await connect({ servers: `nats://127.0.0.1:${port}`, authenticator: nkeyAuthenticator(seed), inboxPrefix: inboxPrefixFor(nkeys.fromSeed(seed).getPublicKey()) });
      const refused: string[] = [];
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') refused.push(s.error.message);
      })();
      return { nc, refused };
    };
    const listener = await as('plan-manager');
    const received: string[] = [];
    const sub = listener.nc.subscribe(subjects.command('plan.command'), { callback: (_e, m) => void received.push(m.string()) });
    await listener.nc.flush();

    const agent = await as('agent-agent-1');
    agent.nc.publish(subjects.command('plan.command'), 'from agent-1');
    agent.nc.publish(subjects.serviceTask('svc', 'agent-2'), 'forged');
    await agent.nc.flush();
    const gateway = await as('gateway');
    gateway.nc.publish(subjects.command('plan.command'), 'from the gateway');
    await gateway.nc.flush();

    await eventually(() => expect(received).toEqual(['from the gateway']), { timeoutMs: 5_000, what: 'the gateway command' });
    await eventually(() => expect(agent.refused.join('\n')).toMatch(/Permissions Violation for Publish to "creds-test\.cmd\.plan\.command"/), { timeoutMs: 5_000, what: 'refusal' });
    await eventually(() => expect(agent.refused.join('\n')).toMatch(/Permissions Violation for Publish to "creds-test\.evt\.svc\.svc\.task\.agent-2"/), { timeoutMs: 5_000, what: 'refusal' });
    expect(gateway.refused).toEqual([]);
    sub.unsubscribe();
    for (const c of [listener, agent, gateway]) await c.nc.close();
  });
});
