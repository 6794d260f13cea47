import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeWorkDirReachable } from './work-dir-access';

describe('makeWorkDirReachable', () => {
  it('adds o+x (never r) to the directories above the work dir the agent owns, and names those it cannot change', () => {
    const top = mkdtempSync(join(tmpdir(), 'marshal-reach-'));
    const workDir = join(top, 'state', 'agents', 'a1');
    mkdirSync(workDir, { recursive: true });
    chmodSync(top, 0o700);
    chmodSync(join(top, 'state'), 0o750);
    const uid = process.getuid?.() ?? 0;
    // Someone else's directories without o+x are reported, not changed.
    const other = makeWorkDirReachable(workDir, uid + 1);
    expect(other.opened).toEqual([]);
    expect(other.blocked).toEqual(expect.arrayContaining([top, join(top, 'state')]));
    expect(statSync(top).mode & 0o777).toBe(0o700);

    const { opened } = makeWorkDirReachable(workDir, uid);
    expect(opened).toEqual(expect.arrayContaining([top, join(top, 'state')]));
    expect(statSync(top).mode & 0o777).toBe(0o701);
    expect(statSync(join(top, 'state')).mode & 0o777).toBe(0o751);
    rmSync(top, { recursive: true, force: true });
  });
});
