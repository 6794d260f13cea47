import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import * as yauzl from 'yauzl';

export interface FetchOptions {
  /** Whole-download limit per URI. */
  timeoutMs?: number;
  /** Aborts a download in progress (the task was killed meanwhile). */
  signal?: AbortSignal;
}

/** A URI the sandbox could not get; the runner reports it as the reason the task could not start. */
export class FetchError extends Error {
  constructor(
    readonly uri: string,
    message: string,
  ) {
    super(`cannot fetch URI '${uri}': ${message}`);
    this.name = 'FetchError';
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/**
 * Fetches one task URI into the sandbox the way the Mesos fetcher did: the file keeps its name (the last path
 * segment), and `.tar`, `.tar.gz`, `.tgz` and `.zip` archives are also unpacked into the sandbox.
 * Returns the path of the fetched file.
 */
export async function fetchUri(uri: string, sandbox: string, opts: FetchOptions = {}): Promise<string> {
  const source = parseUri(uri);
  const name = source.name;
  if (!name || name === '.' || name === '..') throw new FetchError(uri, 'it names no file (empty last path segment)');
  const dest = join(sandbox, name);
  try {
    if (source.kind === 'http') await download(source.url, dest, opts.timeoutMs ?? 300_000, opts.signal);
    else await copyLocal(source.path, dest);
    await unpack(name, dest, sandbox);
  } catch (e) {
    if (e instanceof FetchError) throw e;
    throw new FetchError(uri, e instanceof Error ? e.message : String(e));
  }
  return dest;
}

type Source = { kind: 'http'; url: URL; name: string } | { kind: 'file'; path: string; name: string };

function parseUri(uri: string): Source {
  if (/^https?:\/\//i.test(uri)) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new FetchError(uri, 'not a valid URL');
    }
    const segment = url.pathname.split('/').pop() ?? '';
    return { kind: 'http', url, name: safeDecode(segment) };
  }
  if (/^file:/i.test(uri)) {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch (e) {
      throw new FetchError(uri, e instanceof Error ? e.message : 'not a valid file URL');
    }
    return { kind: 'file', path, name: basename(path) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new FetchError(uri, 'unsupported scheme (expected http://, https://, file:// or a path)');
  }
  if (!isAbsolute(uri)) throw new FetchError(uri, 'a plain path must be absolute');
  return { kind: 'file', path: uri, name: basename(uri) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function download(url: URL, dest: string, timeoutMs: number, abort?: AbortSignal): Promise<void> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = abort ? AbortSignal.any([timeout, abort]) : timeout;
  const res = await fetch(url, { signal, redirect: 'follow' });
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`GET ${url.href} answered ${res.status} ${res.statusText}`.trim());
  }
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(dest));
}

async function copyLocal(path: string, dest: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new Error(`no such file: ${path}`);
  if (!st.isFile()) throw new Error(`not a regular file: ${path}`);
  await copyFile(path, dest);
}

async function unpack(name: string, file: string, sandbox: string): Promise<void> {
  const lower = name.toLowerCase();
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz') || lower.endsWith('.tar')) {
    // node-tar refuses absolute paths and `..` entries unless preservePaths is set.
    await tar.x({ file, cwd: sandbox, strict: true });
  } else if (lower.endsWith('.zip')) {
    await unzip(file, sandbox);
  }
}

/** Unpacks a zip archive into `dir`, keeping Unix modes (so fetched executables stay executable). */
async function unzip(file: string, dir: string): Promise<void> {
  // decodeStrings (the default) makes yauzl reject absolute and `..` entry names.
  const zip = await yauzl.openPromise(file, { lazyEntries: true, strictFileNames: false });
  try {
    for await (const entry of zip.eachEntry()) {
      const target = resolve(dir, entry.fileName);
      if (!isInside(dir, target)) throw new Error(`zip entry '${entry.fileName}' would land outside the sandbox`);
      const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const type = mode & S_IFMT;
      if (entry.fileName.endsWith('/') || type === S_IFDIR) {
        await mkdir(target, { recursive: true });
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      const stream = await zip.openReadStreamPromise(entry);
      if (type === S_IFLNK) {
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        const linkTarget = Buffer.concat(chunks).toString('utf8');
        if (isAbsolute(linkTarget) || !isInside(dir, resolve(dirname(target), linkTarget))) {
          throw new Error(`zip entry '${entry.fileName}' is a symlink pointing outside the sandbox`);
        }
        await rm(target, { force: true });
        await symlink(linkTarget, target);
        continue;
      }
      const fileMode = mode & 0o7777 || 0o644;
      await pipeline(stream, createWriteStream(target, { mode: fileMode }));
    }
  } finally {
    zip.close();
  }
}

function isInside(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

