import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/** Who holds a state folder: the `npm start` launcher that runs an ensemble on it. */
export interface LockOwner {
  pid: number;
  startedAt: string;
  gateway: string;
}

export type LockResult = { acquired: true; stale?: LockOwner } | { acquired: false; owner: LockOwner };

/**
 * Is `pid` a live launcher? A pid that is gone, or that the system has since given to a program other than a
 * Marshal launcher (its command line does not mention tools/dev), held a stale lock.
 */
export function launcherAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: alive, but another user's process.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tools/dev');
  } catch {
    return true; // no /proc (not Linux): trust the pid
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof o.pid === 'number' ? { pid: o.pid, startedAt: String(o.startedAt ?? ''), gateway: String(o.gateway ?? '') } : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unreadable or half-written (a crash mid-write): nobody can be shown to hold it.
    return { pid: 0, startedAt: '', gateway: '' };
  }
}

/**
 * Takes the lock file of a state folder for `owner`, atomically (O_EXCL). A lock whose owner is no longer a live
 * launcher is stale: it is replaced and returned as `stale`. A live owner's lock is left alone.
 */
export function acquireStateLock(file: string, owner: LockOwner, alive: (pid: number) => boolean = launcherAlive): LockResult {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(owner, null, 2) + '\n', { flag: 'wx' });
      return { acquired: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = readOwner(file);
    if (held && held.pid !== owner.pid && held.pid > 0 && alive(held.pid)) return { acquired: false, owner: held };
    try {
      unlinkSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      writeFileSync(file, JSON.stringify(owner, null, 2) + '\n', { flag: 'wx' });
      return held ? { acquired: true, stale: held } : { acquired: true };
    } catch (e) {
      // Another launcher took it between our unlink and write: look again.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const held = readOwner(file);
  return { acquired: false, owner: held ?? { pid: 0, startedAt: '', gateway: '' } };
}

/** Removes the lock if `pid` still holds it (never another launcher's). */
export function releaseStateLock(file: string, pid: number): void {
  if (readOwner(file)?.pid !== pid) return;
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
