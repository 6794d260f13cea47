import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, letGroupThrough, loadTokens, secureStateDir } from './secrets';

const mode = (p: string): number => statSync(p).mode & 0o777;

describe('the launcher keeps its secrets to its user', () => {
  it('creates the state folder 0700, and tightens one an earlier launcher left open', () => {
    const base = mkdtempSync(join(tmpdir(), 'dev-secrets-'));
    secureStateDir(join(base, 'fresh'));
    expect(mode(join(base, 'fresh'))).toBe(0o700);
    mkdirSync(join(base, 'old'), { mode: 0o755 });
    chmodSync(join(base, 'old'), 0o755);
    secureStateDir(join(base, 'old'));
    expect(mode(join(base, 'old'))).toBe(0o700);
  });

  it('lets one group through the state folder without listing it, and closes it again on the next start', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dev-secrets-')), 'state');
    secureStateDir(dir);
    const gid = statSync(dir).gid;
    letGroupThrough(dir, gid);
    expect(mode(dir)).toBe(0o710);
    secureStateDir(dir);
    expect(mode(dir)).toBe(0o700);
  });

  it('writes tokens.json 0600 once, reads the same tokens back and tightens its mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-secrets-'));
    const first = loadTokens(dir);
    expect(first.made).toBe(true);
    expect(mode(first.file)).toBe(0o600);
    expect(Object.values(first.tokens).every((t) => /^[0-9a-f]{48}$/.test(t))).toBe(true);
    chmodSync(first.file, 0o644);
    const again = loadTokens(dir);
    expect(again).toEqual({ ...first, made: false });
    expect(mode(first.file)).toBe(0o600);
  });

  it('a damaged tokens.json is an error naming the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-secrets-'));
    writeFileSync(join(dir, 'tokens.json'), '{"admin": "short", "operator": "x", "viewer": "y"}');
    expect(() => loadTokens(dir)).toThrow(`${join(dir, 'tokens.json')}: "admin" must be a token of 48 hex digits`);
    writeFileSync(join(dir, 'tokens.json'), '{');
    expect(() => loadTokens(dir)).toThrow(`${join(dir, 'tokens.json')} is not valid JSON`);
    expect(readFileSync(join(dir, 'tokens.json'), 'utf8')).toBe('{');
  });

  it('hands the CLI its token in the environment', () => {
    expect(cliEnv('http://127.0.0.1:8080', 'abc')).toMatchObject({ MARSHAL_URL: 'http://127.0.0.1:8080', MARSHAL_TOKEN: 'abc' });
  });
});
