import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { HTTP_ROUTES, splitRoute, type HttpRoute } from '@marshal/contracts';
import { eventually } from '@marshal/testing';
import { root, startCluster, type Cluster } from './support';

/**
 * "500s are bugs" (docs/operations.md "Bounds"): every route of the gateway — the OpenAPI document generated from the
 * controllers, which includes the route catalogue of `@marshal/contracts` — is called with malformed path parameters,
 * query strings and bodies, and none answers 500. An answer of 5xx at all must be the JSON error body.
 */

const SERVICE = 'hello-world';

/** Path parameter values no route expects. Each is put into every parameter of every route in turn. */
const BAD_PARAMS = [
  'constructor',
  '__proto__',
  'prototype',
  '%00',
  'a%00b',
  '%ED%A0%80', // a lone surrogate, UTF-8 encoded: not valid UTF-8
  '%FF',
  '%',
  encodeURIComponent('😀 ünïcödé'),
  '99999999999999999999999',
  '-1',
  '1e309',
  'x'.repeat(3000),
  '..%2F..%2Fetc%2Fpasswd',
];

/** Query strings added to every GET route with its ordinary path parameters. */
const BAD_QUERIES = [
  '?at=99999999999999',
  '?at=99999999999999999999999',
  '?at=-1',
  '?at=275760-09-13T00:00:00Z',
  '?at=__proto__',
  '?at=%ED%A0%80',
  '?seq=99999999999999999999',
  '?seq=-5',
  '?phase=%00',
  '?step=%ED%A0%80',
  '?limit=1e309&tail=0',
  '?after=-1&limit=99999999',
  '?wait=999999999999',
  '?__proto__[polluted]=1&constructor[prototype][x]=1',
  '?data=maybe&since=yesterday&until=%00',
  `?type=${'A,'.repeat(2000)}`,
  '?service=&service=&service=',
];

interface BadBody {
  name: string;
  contentType?: string;
  body: string | Buffer;
}

const BAD_BODIES: BadBody[] = [
  { name: 'empty JSON', contentType: 'application/json', body: '' },
  { name: 'null', contentType: 'application/json', body: 'null' },
  { name: 'a string', contentType: 'application/json', body: '"text"' },
  { name: 'a number', contentType: 'application/json', body: '1e309' },
  { name: 'an array', contentType: 'application/json', body: '[1, {"a": null}]' },
  { name: '__proto__', contentType: 'application/json', body: '{"__proto__": {"polluted": true}, "options": {"__proto__": {"x": 1}}}' },
  { name: 'constructor', contentType: 'application/json', body: '{"constructor": {"prototype": {"polluted": true}}}' },
  { name: 'NUL', contentType: 'application/json', body: '{"A": "x\\u0000y", "options": {"k\\u0000": "v"}}' },
  { name: 'lone surrogate', contentType: 'application/json', body: '{"A": "\\ud800", "package": {"files": {"svc.yml": "\\udfff"}}}' },
  { name: 'truncated', contentType: 'application/json', body: '{"options": {' },
  { name: 'deep', contentType: 'application/json', body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  // Over the MAX_BODY_BYTES the crawler's gateway runs with (64 KiB), small enough to be sent whole before it answers.
  { name: 'oversized', contentType: 'application/json', body: `{"pad": "${'x'.repeat(80 * 1024)}"}` },
  { name: 'text', contentType: 'text/plain', body: 'hello' },
  { name: 'xml', contentType: 'application/xml', body: '<a/>' },
  { name: 'no content type', body: '{"a": 1}' },
  { name: 'bad multipart', contentType: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc' },
  { name: 'form', contentType: 'application/x-www-form-urlencoded', body: 'a=1&__proto__=2' },
];

interface Operation {
  method: string;
  path: string;
}

describe('a crawler over every route of the gateway finds no 500', () => {
  let cluster: Cluster;
  let operations: Operation[] = [];
  const found: string[] = [];
  let requests = 0;

  const fill = (path: string, params: Record<string, string>): string => path.replace(/\{(\w+)\}/g, (_m, p: string) => params[p] ?? 'x');

  /**
   * One request over plain node:http (not fetch): the gateway may answer an oversized body with 413 before it has read
   * it all, and that answer is what counts, not the upload the client could not finish.
   */
  const call = (method: string, path: string, body?: BadBody): Promise<{ status: number; type: string; text: string }> =>
    new Promise((resolve, reject) => {
      const url = new URL(`${cluster.ensemble.gatewayUrl}${path}`);
      const headers: Record<string, string | number> = { authorization: `Bearer ${cluster.ensemble.tokens.admin}` };
      if (body?.contentType) headers['content-type'] = body.contentType;
      if (body) headers['content-length'] = Buffer.byteLength(body.body);
      const req = request({ host: url.hostname, port: url.port, method, path: `${url.pathname}${url.search}`, headers, timeout: 30_000 }, (res) => {
        const type = String(res.headers['content-type'] ?? '');
        if (type.startsWith('text/event-stream')) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, type, text: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      // After an answer, a failed upload (the server closed early) changes nothing: the promise is already settled.
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
      req.end(body?.body);
    });

  /**
   * A body larger than the gateway takes, over a bare socket: the gateway answers 413 as soon as it sees the length
   * and closes, so the client's upload fails — what matters is the answer already on the socket.
   */
  const callOversized = (method: string, path: string, body: BadBody): Promise<{ status: number; type: string; text: string }> =>
    new Promise((resolve) => {
      const url = new URL(`${cluster.ensemble.gatewayUrl}${path}`);
      const socket = connect(Number(url.port), url.hostname);
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      // A failed write is expected (the gateway stops reading); the answer is read until the socket closes.
      socket.on('error', (e) => chunks.length === 0 && chunks.push(Buffer.from(`HTTP/1.1 000 ${e.message}\r\n\r\n`)));
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const [head, ...rest] = text.split('\r\n\r\n');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        resolve({ status, type: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '', text: rest.join('\r\n\r\n') });
      });
      socket.setTimeout(30_000, () => socket.destroy());
      socket.write(
        `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${cluster.ensemble.tokens.admin}\r\n` +
          `Content-Type: ${body.contentType}\r\nContent-Length: ${Buffer.byteLength(body.body)}\r\nConnection: close\r\n\r\n`,
      );
      socket.end(body.body);
    });

  const send = async (method: string, path: string, body?: BadBody): Promise<void> => {
    requests++;
    const what = `${method} ${path.slice(0, 120)}${body ? ` [${body.name}]` : ''}`;
    try {
      const { status, type, text } = body?.name === 'oversized' ? await callOversized(method, path, body) : await call(method, path, body);
      if (status === 0) throw new Error(text || 'no status line');
      const jsonError = type.startsWith('application/json') && /"code"/.test(text);
      if (status === 500 || (status >= 500 && !jsonError)) found.push(`${what} → ${status} ${text.slice(0, 200)}`);
    } catch (e) {
      found.push(`${what} → no answer: ${String(e)}`);
    }
  };

  /** Runs the calls a few at a time: a crawler, not a load test. */
  const crawl = async (calls: Array<() => Promise<void>>): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < calls.length) await calls[next++]();
      }),
    );
  };

  beforeAll(async () => {
    cluster = await startCluster([], { serviceEnv: { gateway: { READ_WAIT_MS: '100', MAX_BODY_BYTES: String(64 * 1024) } } });
    expect((await cluster.cli('install', join(root, 'examples', 'hello-world'))).code).toBe(0);
    await eventually(async () => expect((await cluster.get(`/v1/service/${SERVICE}/plans/deploy`)).status).toBe(202));
    const doc = (await (await fetch(`${cluster.ensemble.gatewayUrl}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })));
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('crawls every route of the catalogue', () => {
    const served = new Set(operations.map((o) => `${o.method} ${o.path}`));
    const missing = (Object.keys(HTTP_ROUTES) as HttpRoute[]).filter((r) => {
      const [method, path] = splitRoute(r);
      return !served.has(`${method} ${path}`) && !served.has(`${method} ${path.replace(/^\/v1(?=\/)/, '/v1/service/{service}')}`);
    });
    expect(missing).toEqual([]);
    expect(operations.length).toBeGreaterThan(50);
  });

  it('malformed path parameters: no 500', async () => {
    const calls = operations.flatMap((o) => {
      const names = [...o.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      return names.flatMap((name) => BAD_PARAMS.map((bad) => () => send(o.method, fill(o.path, { service: SERVICE, [name]: bad }))));
    });
    calls.push(() => send('GET', '/v1/state/files/constructor'), () => send('PUT', '/v1/state/files/constructor'), () => send('GET', '/v1/state/properties/__proto__'));
    await crawl(calls);
    expect(found).toEqual([]);
  }, 600_000);

  it('malformed query strings on every GET: no 500', async () => {
    const gets = operations.filter((o) => o.method === 'GET' && !o.path.endsWith('/stream'));
    const params = { service: SERVICE, plan: 'deploy', name: SERVICE, pod: 'hello-0', podType: 'hello', task: 'hello-0-server', ip: '127.0.0.1' };
    await crawl(gets.flatMap((o) => BAD_QUERIES.map((q) => () => send('GET', `${fill(o.path, params)}${q}`))));
    expect(found).toEqual([]);
  }, 600_000);

  it('empty, oversized, non-JSON and poisoned bodies on every route that takes one or none: no 500', async () => {
    // Names that exist nowhere, so a body the route takes cannot change the service the other cases use.
    const params = { service: 'nope-crawler', plan: 'nope', name: 'nope-crawler', pod: 'nope-0', key: 'nope', id: 'nope' };
    const writes = operations.filter((o) => o.method !== 'GET');
    const before = requests;
    await crawl(writes.flatMap((o) => BAD_BODIES.map((b) => () => send(o.method, fill(o.path, params), b))));
    expect(found).toEqual([]);
    expect(writes.length).toBeGreaterThan(30);
    expect(requests - before).toBe(writes.length * BAD_BODIES.length);
  }, 600_000);
});
