import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
    const runner = new TaskRunner({ workDir, ...processParts(workDir), onStatus: (r) => reports.push(r), log: silent });
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
    ['relative/path.txt', 'must be absolute'],
    ['http://127.0.0.1:1/', 'names no file'],
  ])('rejects %s: %s', async (uri, why) => {
    await expect(fetchUri(uri, dir)).rejects.toThrow(why);
  });
});
