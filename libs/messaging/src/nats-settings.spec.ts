import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/transport-node';
import { NatsSettingsError, resolveNatsSettings } from './connection';

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof NatsSettingsError) return e.problems;
    throw e;
  }
  throw new Error('expected NatsSettingsError');
}

describe('resolveNatsSettings', () => {
  it('takes a user and password out of NATS_URL, decoded, and never reads a numeric password as the port', () => {
    const r = resolveNatsSettings({ NATS_URL: 'nats://svc:12345@nats.example:4333,nats://svc:12345@other:4222' });
    expect(r.servers).toEqual(['nats://nats.example:4333', 'nats://other:4222']);
    expect(r.auth).toEqual({ user: 'svc', password: '12345' });
    expect(resolveNatsSettings({ NATS_URL: 'nats://a%40b:p%3Aw@h:1' }).auth).toEqual({ user: 'a@b', password: 'p:w' });
  });

  it('keeps a plain URL list as it is and asks for no credentials', () => {
    expect(resolveNatsSettings({ NATS_URL: 'nats://127.0.0.1:4222, 127.0.0.1:4223' })).toEqual({
      servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'],
      auth: {},
    });
  });

  it('refuses credentials given twice or half, naming the variables', () => {
    expect(problems(() => resolveNatsSettings({ NATS_URL: 'nats://u:p@h:1', NATS_USER: 'v', NATS_PASSWORD: 'q' }))).toEqual([
      'NATS_URL carries a user and NATS_USER/NATS_PASSWORD are set too: give the credentials once',
    ]);
    expect(problems(() => resolveNatsSettings({ NATS_URL: 'nats://h:1', NATS_USER: 'u' }))).toEqual(['NATS_USER is set without NATS_PASSWORD']);
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    expect(problems(() => resolveNatsSettings({ NATS_URL: 'nats://u:p@h:1', NATS_NKEY_SEED: seed }))).toEqual([
      'NATS credentials given more than one way (a user and password, an nkey seed): give one',
    ]);
    expect(problems(() => resolveNatsSettings({ NATS_URL: 'nats://a:1@h:1,nats://b:2@h:2' }))[0]).toMatch(/different users/);
  });

  it('reads an nkey seed from a file and refuses one that is not a seed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marshal-seed-'));
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    writeFileSync(join(dir, 'ok.nk'), seed + '\n');
    writeFileSync(join(dir, 'bad.nk'), 'hello\n');
    expect(resolveNatsSettings({ NATS_URL: 'nats://h:1', NATS_NKEY_SEED_FILE: join(dir, 'ok.nk') }).auth).toEqual({ nkeySeed: seed });
    expect(problems(() => resolveNatsSettings({ NATS_URL: 'nats://h:1', NATS_NKEY_SEED_FILE: join(dir, 'bad.nk') }))[0]).toMatch(/^NATS_NKEY_SEED_FILE: not an nkey seed/);
    expect(problems(() => resolveNatsSettings({ NATS_URL: 'nats://h:1', NATS_NKEY_SEED_FILE: join(dir, 'missing.nk') }))[0]).toMatch(/^NATS_NKEY_SEED_FILE=.*missing\.nk: cannot read it/);
  });

  it('refuses a client certificate without its key and a TLS file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marshal-tls-'));
    writeFileSync(join(dir, 'cert.pem'), 'x');
    expect(problems(() => resolveNatsSettings({ NATS_URL: 'nats://h:1', NATS_TLS_CERT: join(dir, 'cert.pem'), NATS_TLS_CA: join(dir, 'ca.pem') }))).toEqual([
      expect.stringMatching(/^NATS_TLS_CA=.*ca\.pem: cannot read it/),
      'NATS_TLS_CERT and NATS_TLS_KEY go together: give both or neither',
    ]);
  });
});
