import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayClient } from './client';
import { buildProgram, commandHint } from './main';

describe('marshal --help', () => {
  const saved = { token: process.env['MARSHAL_TOKEN'], config: process.env['MARSHAL_CONFIG'] };
  afterEach(() => {
    for (const [k, v] of [['MARSHAL_TOKEN', saved.token], ['MARSHAL_CONFIG', saved.config]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('never prints the token, whether it comes from MARSHAL_TOKEN or the config file', () => {
    process.env['MARSHAL_TOKEN'] = 'env-secret-0123456789';
    const dir = mkdtempSync(join(tmpdir(), 'marshal-cli-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ token: 'file-secret-9876543210' }));
    process.env['MARSHAL_CONFIG'] = join(dir, 'config.json');
    const help = buildProgram(() => undefined).helpInformation();
    expect(help).toContain('--token <token>');
    expect(help).not.toContain('env-secret-0123456789');
    delete process.env['MARSHAL_TOKEN'];
    expect(buildProgram(() => undefined).helpInformation()).not.toContain('file-secret-9876543210');
  });

  it('still sends the token of MARSHAL_TOKEN when --token is not given', async () => {
    process.env['MARSHAL_TOKEN'] = 'env-secret-0123456789';
    const auth: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      auth.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await buildProgram(() => undefined).parseAsync(['node', 'marshal', '--url', url, 'plan', 'list', '--name', 'x']);
    } finally {
      server.close();
    }
    expect(auth).toEqual(['Bearer env-secret-0123456789']);
  });
});

describe('hints speak CLI', () => {
  it("the gateway's several-services answer becomes a --name hint, without HTTP paths", async () => {
    const server = createServer((_req, res) => {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'INVALID_ARGUMENT', message: 'Several services are installed (hello-2, hello-world): use /v1/service/<name>/… or set DEFAULT_SERVICE' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    let error: unknown;
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await buildProgram(() => undefined).parseAsync(['node', 'marshal', '--url', url, 'plan', 'status', 'deploy']);
    } catch (e) {
      error = e;
    } finally {
      server.close();
    }
    expect(error).toMatchObject({ exitCode: 2, message: 'Several services are installed (hello-2, hello-world): choose one with --name or MARSHAL_SERVICE' });
  });
});

describe('operator commands name their command id', () => {
  it('the client hands the X-Marshal-Command of an accepted command to onCommand, and the hint is ready to run', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-marshal-command': 'cmd-123', 'x-marshal-seq': '7' }).end('{"message":"ok"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const seen: string[] = [];
    try {
      const client = new GatewayClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, onCommand: (id) => seen.push(id) });
      await client.call('POST', 'v1/plans/deploy/interrupt');
    } finally {
      server.close();
    }
    expect(seen).toEqual(['cmd-123']);
    expect(commandHint('cmd-123')).toBe('Command cmd-123. What it caused: marshal events chain cmd-123\n');
  });
});
