import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * A lock file naming the process that holds something (a state folder, an agent's work dir): taken atomically
 * (O_EXCL), with the owner as JSON inside. A lock whose owner is no longer a live process of the same program is stale
 * and taken over; a live owner's lock is left alone. One mechanism for every process that must be the only one.
 */
export interface PidLockOwner {
  pid: number;
}

export type PidLockResult<T extends PidLockOwner> = { acquired: true; stale?: T } | { acquired: false; owner: T };

/**
 * Is `pid` a live process whose command line mentions `program`? A pid that is gone, or that the system has since
 * given to another program, held a stale lock.
 */
export function processAlive(pid: number, program: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: alive, but another user's process.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(program);
  } catch {
    return true; // no /proc (not Linux): trust the pid
  }
}

/** The owner written in the lock; `{ pid: 0 }` for one nobody can be shown to hold (empty, half-written). */
function readOwner<T extends PidLockOwner>(file: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const o = JSON.parse(text) as Partial<T>;
    if (typeof o.pid === 'number' && o.pid > 0) return o as T;
  } catch {
    // a crash mid-write leaves a file that is not JSON: handled below as held by nobody
  }
  return { pid: 0 } as T;
}

function unlinkIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Takes the lock for `owner`; `alive` tells whether the pid of an existing lock still holds it. */
export function acquirePidLock<T extends PidLockOwner>(file: string, owner: T, alive: (pid: number) => boolean): PidLockResult<T> {
  const write = (): boolean => {
    try {
      writeFileSync(file, JSON.stringify(owner, null, 2) + '\n', { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      return false;
    }
  };
  let held: T | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (write()) return held && held.pid > 0 ? { acquired: true, stale: held } : { acquired: true };
    held = readOwner<T>(file);
    if (held && held.pid !== owner.pid && held.pid > 0 && alive(held.pid)) return { acquired: false, owner: held };
    // Stale (or ours from an earlier life): remove it and try again; another process may win the race meanwhile.
    unlinkIfThere(file);
  }
  return { acquired: false, owner: readOwner<T>(file) ?? held ?? ({ pid: 0 } as T) };
}

/** Removes the lock if `pid` still holds it (never another process's). */
export function releasePidLock(file: string, pid: number): void {
  if (readOwner(file)?.pid === pid) unlinkIfThere(file);
}
