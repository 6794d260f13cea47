import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireStateLock, releaseStateLock } from './state-lock';

const owner = (pid: number) => ({ pid, startedAt: '2026-01-01T00:00:00.000Z', gateway: `http://127.0.0.1:${8000 + pid}` });
const lockFile = () => join(mkdtempSync(join(tmpdir(), 'marshal-lock-')), 'marshal.lock');

describe('the state folder lock of npm start', () => {
  it('is taken when nobody holds it, and refused while its owner lives', () => {
    const file = lockFile();
    expect(acquireStateLock(file, owner(11), () => true)).toEqual({ acquired: true });
    expect(acquireStateLock(file, owner(22), () => true)).toEqual({ acquired: false, owner: owner(11) });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(owner(11));
  });

  it('recognises a stale lock (its owner is gone) and takes it over', () => {
    const file = lockFile();
    acquireStateLock(file, owner(11), () => true);
    expect(acquireStateLock(file, owner(22), (pid) => pid !== 11)).toEqual({ acquired: true, stale: owner(11) });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(owner(22));
  });

  it('takes over a half-written lock file', () => {
    const file = lockFile();
    writeFileSync(file, '{"pid": 1');
    expect(acquireStateLock(file, owner(22), () => true)).toMatchObject({ acquired: true });
  });

  it('is released only by its owner', () => {
    const file = lockFile();
    acquireStateLock(file, owner(11), () => true);
    releaseStateLock(file, 22);
    expect(acquireStateLock(file, owner(22), () => true)).toMatchObject({ acquired: false });
    releaseStateLock(file, 11);
    expect(acquireStateLock(file, owner(22), () => true)).toEqual({ acquired: true });
  });
});
