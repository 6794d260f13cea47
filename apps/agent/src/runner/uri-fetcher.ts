import { createReadStream } from 'node:fs';
import { mkdir, realpath, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import * as yauzl from 'yauzl';
import { assertRealDirInside, isInsideDir, openInside } from './sandbox-files';
import { isErrno } from './unexpected';

export interface FetchOptions {
  /** Whole-download limit per URI. */
  timeoutMs?: number;
  /** Aborts a download in progress (the task was killed meanwhile). */
  signal?: AbortSignal;
  /** Largest file a URI may bring (bytes); default 1 GiB. */
  maxBytes?: number;
  /**
   * Hosts a redirect may lead to besides the URI's own (`AGENT_FETCH_REDIRECT_HOSTS`); `*` allows any. A redirect
   * elsewhere, or to another scheme than http/https, is refused.
   */
  redirectHosts?: readonly string[];
  /** The only directory `file://` URIs and plain paths may name (`AGENT_FETCH_FILE_ROOT`); unset: they are refused. */
  fileRoot?: string;
}

export const DEFAULT_FETCH_MAX_BYTES = 1024 * 1024 * 1024;

/** Redirects followed per URI at most, as browsers do. */
const MAX_REDIRECTS = 10;

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
  if (!name) throw new FetchError(uri, 'it names no file (empty last path segment)');
  // Decoded: `%2F` and `%2e%2e` are what they spell.
  if (name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new FetchError(uri, `its file name '${name}' would land outside the sandbox: refused`);
  }
  const dest = join(sandbox, name);
  const maxBytes = opts.maxBytes ?? DEFAULT_FETCH_MAX_BYTES;
  try {
    if (source.kind === 'http') await download(source.url, sandbox, dest, { ...opts, timeoutMs: opts.timeoutMs ?? 300_000, maxBytes });
    else await copyLocal(source.path, sandbox, dest, opts.fileRoot, maxBytes);
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
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      // What a malformed escape would name is anyone's guess: refused rather than kept raw.
      throw new FetchError(uri, `its last path segment '${segment}' is not valid percent-encoding`);
    }
    return { kind: 'http', url, name };
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
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) {
    throw new FetchError(uri, 'unsupported scheme (expected http://, https://, file:// or a path)');
  }
  if (!isAbsolute(uri)) throw new FetchError(uri, 'a plain path must be absolute');
  return { kind: 'file', path: uri, name: basename(uri) };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function download(
  url: URL,
  sandbox: string,
  dest: string,
  opts: { timeoutMs: number; maxBytes: number; signal?: AbortSignal; redirectHosts?: readonly string[] },
): Promise<void> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const allowed = new Set([url.host.toLowerCase(), ...(opts.redirectHosts ?? []).map((h) => h.toLowerCase())]);
  let at = url;
  let res = await fetch(at, { signal, redirect: 'manual' });
  for (let hops = 0; REDIRECTS.has(res.status); hops++) {
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (!location) throw new Error(`GET ${at.href} answered ${res.status} without a Location`);
    const next = new URL(location, at);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`redirect to ${next.protocol} refused (only http and https)`);
    if (!allowed.has('*') && !allowed.has(next.host.toLowerCase())) {
      throw new Error(`redirect to host '${next.host}' refused: not the URI's host nor in AGENT_FETCH_REDIRECT_HOSTS`);
    }
    if (hops + 1 > MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    at = next;
    res = await fetch(at, { signal, redirect: 'manual' });
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`GET ${at.href} answered ${res.status} ${res.statusText}`.trim());
  }
  const announced = Number(res.headers.get('content-length') ?? NaN);
  if (announced > opts.maxBytes) {
    await res.body.cancel();
    throw new Error(`it is ${announced} bytes, more than the ${opts.maxBytes} bytes allowed (AGENT_FETCH_MAX_BYTES)`);
  }
  const out = await openInside(sandbox, dest, 'the fetched file');
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), capped(opts.maxBytes), out.createWriteStream());
}

/** Passes bytes through until more than `maxBytes` came, then fails the pipeline. */
function capped(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(new Error(`it is more than the ${maxBytes} bytes allowed (AGENT_FETCH_MAX_BYTES)`));
      else done(null, chunk);
    },
  });
}

async function copyLocal(path: string, sandbox: string, dest: string, fileRoot: string | undefined, maxBytes: number): Promise<void> {
  if (!fileRoot) throw new Error('file URIs and local paths are refused: this agent has no AGENT_FETCH_FILE_ROOT');
  const real = await realpath(path).catch((e: unknown) => {
    if (isErrno(e, 'ENOENT')) throw new Error(`no such file: ${path}`);
    throw e;
  });
  // Symlinks resolved: a link under the root pointing elsewhere is refused too.
  if (!isInsideDir(await realpath(fileRoot), real)) throw new Error(`${path} is not under AGENT_FETCH_FILE_ROOT (${fileRoot}): refused`);
  const st = await stat(real);
  if (!st.isFile()) throw new Error(`not a regular file: ${path}`);
  if (st.size > maxBytes) throw new Error(`it is ${st.size} bytes, more than the ${maxBytes} bytes allowed (AGENT_FETCH_MAX_BYTES)`);
  const out = await openInside(sandbox, dest, 'the fetched file');
  await pipeline(createReadStream(real), out.createWriteStream());
}

async function unpack(name: string, file: string, sandbox: string): Promise<void> {
  const lower = name.toLowerCase();
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz') || lower.endsWith('.tar')) {
    // node-tar refuses absolute paths and `..` entries unless preservePaths is set.
    // It also refuses to extract through a symlink; owners are the agent's, then the task's.
    await tar.x({ file, cwd: sandbox, strict: true, preserveOwner: false });
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
      await assertRealDirInside(dir, dirname(target), `zip entry '${entry.fileName}'`);
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
      // No setuid or setgid bits: the agent writes as its own user.
      const fileMode = mode & 0o777 || 0o644;
      const out = await openInside(dir, target, `zip entry '${entry.fileName}'`, { mode: fileMode });
      await pipeline(stream, out.createWriteStream());
    }
  } finally {
    zip.close();
  }
}

const isInside = isInsideDir;

