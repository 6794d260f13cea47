import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskInfo } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import * as tar from 'tar';
import * as yazl from 'yazl';
import { taskInfo } from '../testing/task-info';
import { processParts } from './parts';
import { TaskRunner, type StatusReport } from './task-runner';
import { fetchUri } from './uri-fetcher';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

async function zipOf(files: { name: string; body: string; mode: number }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const f of files) zip.addBuffer(Buffer.from(f.body), f.name, { mode: f.mode });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('URI fetching into sandboxes', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const served = new Map<string, Buffer>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'marshal-fetch-'));
    const pkg = join(dir, 'pkg');
    await mkdir(join(pkg, 'bin'), { recursive: true });
    await writeFile(join(pkg, 'bin', 'hello.sh'), '#!/bin/sh\necho "tar says hello"\n', { mode: 0o755 });
    await tar.c({ gzip: true, file: join(dir, 'pkg.tar.gz'), cwd: pkg }, ['bin']);
    served.set('/artifacts/pkg.tar.gz', await readFile(join(dir, 'pkg.tar.gz')));
    served.set(
      '/artifacts/tools.zip',
      await zipOf([
        { name: 'tool/run.sh', body: '#!/bin/sh\necho "zip says hello"\n', mode: 0o100755 },
        { name: 'tool/README', body: 'read me\n', mode: 0o100644 },
      ]),
    );
    server = createServer((req, res) => {
      if (req.url === '/artifacts/slow.tgz') {
        res.writeHead(200).write('a first chunk and then nothing'); // never ends
        return;
      }
      const port = (server.address() as AddressInfo).port;
      const redirects: Record<string, string> = {
        '/redirect/same': '/artifacts/pkg.tar.gz',
        '/redirect/elsewhere': `http://localhost:${port}/artifacts/pkg.tar.gz`,
        '/redirect/file': 'file:///etc/passwd',
      };
      if (req.url && redirects[req.url]) {
        res.writeHead(302, { location: redirects[req.url] }).end();
        return;
      }
      if (req.url === '/unannounced/pkg.tar.gz') {
        // Chunked: no Content-Length to refuse it by.
        res.writeHead(200);
        res.end(served.get('/artifacts/pkg.tar.gz'));
        return;
      }
      const body = served.get(req.url ?? '');
      if (!body) {
        res.writeHead(404).end('not here');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  /** The tasks here run once and read what their URIs brought. */
  const onceTask = (overrides: Partial<TaskInfo>): TaskInfo => taskInfo({ goal: 'ONCE', env: {}, ...overrides });

  async function runToEnd(task: TaskInfo): Promise<{ final: StatusReport; workDir: string }> {
    const workDir = await mkdtemp(join(dir, 'agent-'));
    const reports: StatusReport[] = [];
    const runner = new TaskRunner({ workDir, ...processParts(workDir, { fetch: { fileRoot: dir } }), onStatus: (r) => reports.push(r), log: silent });
    await runner.launch(task);
    const final = await eventually(() => {
      const r = reports.find((x) => ['TASK_FINISHED', 'TASK_FAILED', 'TASK_ERROR'].includes(x.state));
      if (!r) throw new Error(reports.map((x) => x.state).join(', '));
      return r;
    });
    await runner.detach();
    return { final, workDir };
  }

  it('fetches http(s), file:// and plain-path URIs and unpacks .tar.gz and .zip before cmd runs', async () => {
    await writeFile(join(dir, 'plain.txt'), 'plain file\n');
    await writeFile(join(dir, 'other.txt'), 'by path\n');
    const task = onceTask({
      uris: [`${base}/artifacts/pkg.tar.gz`, `${base}/artifacts/tools.zip`, `file://${join(dir, 'plain.txt')}`, join(dir, 'other.txt')],
      cmd: './bin/hello.sh && ./tool/run.sh && cat plain.txt other.txt tool/README',
    });
    const { final, workDir } = await runToEnd(task);

    expect(final).toMatchObject({ state: 'TASK_FINISHED', exitCode: 0 });
    const sandbox = join(workDir, 'sandboxes', task.taskId);
    expect(await readFile(join(sandbox, 'stdout'), 'utf8')).toBe(
      'tar says hello\nzip says hello\nplain file\nby path\nread me\n',
    );
    // As with the Mesos fetcher, the archives stay next to what they unpacked.
    expect((await stat(join(sandbox, 'pkg.tar.gz'))).isFile()).toBe(true);
    expect((await stat(join(sandbox, 'tools.zip'))).isFile()).toBe(true);
  });

  it('fails the task with a message naming the URI when it cannot be fetched', async () => {
    const uri = `${base}/artifacts/missing.tar.gz`;
    const { final } = await runToEnd(onceTask({ uris: [uri], cmd: 'echo should not run' }));
    expect(final.state).toBe('TASK_FAILED');
    expect(final.message).toContain(uri);
    expect(final.message).toContain('404');
  });

  it('aborts a download in progress when the task is killed', async () => {
    const workDir = await mkdtemp(join(dir, 'agent-'));
    const reports: StatusReport[] = [];
    const runner = new TaskRunner({ workDir, ...processParts(workDir), onStatus: (r) => reports.push(r), log: silent });
    const task = onceTask({ uris: [`${base}/artifacts/slow.tgz`], cmd: 'echo should not run' });
    const launched = runner.launch(task);
    await eventually(() => expect(reports.map((r) => r.state)).toEqual(['TASK_STARTING']));
    const began = Date.now();
    await runner.kill(task.taskId, 'operator gave up');
    await launched;
    expect(Date.now() - began).toBeLessThan(2000);
    expect(reports.map((r) => r.state)).toEqual(['TASK_STARTING', 'TASK_KILLED']);
    await runner.detach();
  });

  it.each([
    ['ftp://example.invalid/a.tgz', 'unsupported scheme'],
    ['data:text/plain,hello', 'unsupported scheme'],
    ['relative/path.txt', 'must be absolute'],
    ['http://127.0.0.1:1/', 'names no file'],
    ['http://127.0.0.1:1/..%2F..%2Fx', "its file name '../../x' would land outside the sandbox"],
    ['http://127.0.0.1:1/a/%2e%2e', 'names no file'],
    ['http://127.0.0.1:1/%2e%2e', 'names no file'],
    ['http://127.0.0.1:1/a%5C..%5Cb', 'would land outside the sandbox'],
    ['http://127.0.0.1:1/a%00b', 'would land outside the sandbox'],
    ['http://127.0.0.1:1/..%2F%ZZ', 'is not valid percent-encoding'],
  ])('rejects %s: %s', async (uri, why) => {
    const sandbox = await mkdtemp(join(dir, 'sandbox-'));
    await expect(fetchUri(uri, sandbox, { fileRoot: dir })).rejects.toThrow(why);
    expect(await readdir(sandbox)).toEqual([]);
  });

  it('refuses file URIs and plain paths without a file root, and outside it (symlinks resolved)', async () => {
    const sandbox = await mkdtemp(join(dir, 'sandbox-'));
    await writeFile(join(dir, 'inside.txt'), 'inside\n');
    await expect(fetchUri(`file://${join(dir, 'inside.txt')}`, sandbox)).rejects.toThrow('this agent has no AGENT_FETCH_FILE_ROOT');
    await expect(fetchUri(join(dir, 'inside.txt'), sandbox)).rejects.toThrow('this agent has no AGENT_FETCH_FILE_ROOT');
    const root = await mkdtemp(join(dir, 'root-'));
    await expect(fetchUri(join(dir, 'inside.txt'), sandbox, { fileRoot: root })).rejects.toThrow('is not under AGENT_FETCH_FILE_ROOT');
    await symlink(join(dir, 'inside.txt'), join(root, 'link.txt'));
    await expect(fetchUri(join(root, 'link.txt'), sandbox, { fileRoot: root })).rejects.toThrow('is not under AGENT_FETCH_FILE_ROOT');
    expect(await readdir(sandbox)).toEqual([]);
  });

  it('refuses to write through a symlink in the sandbox', async () => {
    const sandbox = await mkdtemp(join(dir, 'sandbox-'));
    const outside = join(dir, 'victim.tar.gz');
    await writeFile(outside, 'untouched');
    await symlink(outside, join(sandbox, 'pkg.tar.gz'));
    await expect(fetchUri(`${base}/artifacts/pkg.tar.gz`, sandbox)).rejects.toThrow('is a symlink: refused');
    expect(await readFile(outside, 'utf8')).toBe('untouched');
  });

  it('follows redirects to the same host, refuses them to another host unless allowed', async () => {
    const sandbox = await mkdtemp(join(dir, 'sandbox-'));
    const file = await fetchUri(`${base}/redirect/same`, sandbox);
    expect(await readFile(file)).toEqual(served.get('/artifacts/pkg.tar.gz'));
    const elsewhere = `${base}/redirect/elsewhere`;
    await expect(fetchUri(elsewhere, sandbox)).rejects.toThrow("redirect to host 'localhost:");
    await expect(fetchUri(elsewhere, sandbox, { redirectHosts: ['localhost:1'] })).rejects.toThrow('refused');
    await expect(fetchUri(`${base}/redirect/file`, sandbox, { redirectHosts: ['*'] })).rejects.toThrow('redirect to file: refused');
  });

  it('caps the size of what a URI brings', async () => {
    const sandbox = await mkdtemp(join(dir, 'sandbox-'));
    const size = served.get('/artifacts/pkg.tar.gz')?.length ?? 0;
    await expect(fetchUri(`${base}/artifacts/pkg.tar.gz`, sandbox, { maxBytes: size - 1 })).rejects.toThrow(`more than the ${size - 1} bytes allowed`);
    await expect(fetchUri(`${base}/unannounced/pkg.tar.gz`, sandbox, { maxBytes: size - 1 })).rejects.toThrow('AGENT_FETCH_MAX_BYTES');
    await expect(fetchUri(`${base}/artifacts/pkg.tar.gz`, sandbox, { maxBytes: size })).resolves.toBe(join(sandbox, 'pkg.tar.gz'));
  });

  it('fails the task naming the refused URI', async () => {
    const uri = 'http://127.0.0.1:1/..%2F..%2Fx';
    const { final } = await runToEnd(onceTask({ uris: [uri], cmd: 'echo should not run' }));
    expect(final.state).toBe('TASK_FAILED');
    expect(final.message).toContain(uri);
    expect(final.message).toContain('would land outside the sandbox');
  });
});
