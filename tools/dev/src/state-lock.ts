import { acquirePidLock, processAlive, releasePidLock, type PidLockResult } from '@marshal/runtime';

/** Who holds a state folder: the `npm start` launcher that runs an ensemble on it. */
export interface LockOwner {
  pid: number;
  startedAt: string;
  gateway: string;
}

export type LockResult = PidLockResult<LockOwner>;

/** Is `pid` a live launcher (its command line mentions tools/dev)? */
export const launcherAlive = (pid: number): boolean => processAlive(pid, 'tools/dev');

/**
 * Takes the lock file of a state folder for `owner` (the shared pid lock of @marshal/runtime). A lock whose owner is no
 * longer a live launcher is stale: it is replaced and returned as `stale`. A live owner's lock is left alone.
 */
export function acquireStateLock(file: string, owner: LockOwner, alive: (pid: number) => boolean = launcherAlive): LockResult {
  return acquirePidLock(file, owner, alive);
}

/** Removes the lock if `pid` still holds it (never another launcher's). */
export function releaseStateLock(file: string, pid: number): void {
  releasePidLock(file, pid);
}
