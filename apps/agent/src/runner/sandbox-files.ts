import { constants } from 'node:fs';
import { lchown, lstat, mkdir, open, readdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { UserIdentity } from './task-user';

/** Whether `target` is `dir` or below it, by name. */
export function isInsideDir(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Throws unless the directory `dir` really is inside `root` (symlinks resolved): the agent writes into sandboxes as
 * its own user, so a symlink planted by an archive must never take a write elsewhere.
 */
export async function assertRealDirInside(root: string, dir: string, what: string): Promise<void> {
  const [realRoot, realDir] = await Promise.all([realpath(root), realpath(dir)]);
  if (!isInsideDir(realRoot, realDir)) throw new Error(`${what} would land outside the sandbox (through a symlink)`);
}

/**
 * Opens `path` (inside `root`) for writing, refusing to follow a symlink at `path` itself or in its directories.
 * `exclusive`: fail when it exists.
 */
export async function openInside(root: string, path: string, what: string, opts: { mode?: number; exclusive?: boolean } = {}) {
  if (!isInsideDir(root, path)) throw new Error(`${what} would land outside the sandbox`);
  await mkdir(dirname(path), { recursive: true });
  await assertRealDirInside(root, dirname(path), what);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (opts.exclusive ? constants.O_EXCL : constants.O_TRUNC);
  try {
    return await open(path, flags, opts.mode ?? 0o644);
  } catch (e) {
    if ((e as { code?: string }).code === 'ELOOP') throw new Error(`${what} is a symlink: refused`);
    throw e;
  }
}

/** Writes a file inside `root` without following symlinks (see {@link openInside}). */
export async function writeInside(root: string, path: string, data: string | Buffer, what: string, opts: { mode?: number; exclusive?: boolean } = {}): Promise<void> {
  const fh = await openInside(root, path, what, opts);
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}

/**
 * Gives `dir` and everything in it to `user` (lchown: a symlink itself changes owner, never what it points to, and
 * directories behind symlinks are not entered). The sandbox is laid out by the agent; its task then owns it.
 */
export async function chownTree(dir: string, user: UserIdentity): Promise<void> {
  await lchown(dir, user.uid, user.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, user);
    else await lchown(path, user.uid, user.gid);
  }
}

/** Gives a directory (not what is in it) to `user`; a symlink there is refused. */
export async function chownDir(dir: string, user: UserIdentity): Promise<void> {
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (st.uid !== user.uid || st.gid !== user.gid) await lchown(dir, user.uid, user.gid);
}
