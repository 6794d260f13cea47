import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import { makeEvent, serviceAggregate, subjectsFor, type ConfigurationDiffBody, type Package, type ServiceSpec } from '@marshal/contracts';
import { CommandBus, EventStore, connectNats } from '@marshal/messaging';
import { createDataSource, migrate, projectBatch, readCheckpoint } from '@marshal/persistence';
import { Shutdown, ServiceContextModule, createLogger, type ServiceContext } from '@marshal/runtime';
import { diffSpecs, renderPackage } from '@marshal/spec';
import { createTestDatabase, startNatsServer, type NatsServerHandle, type TestDatabase } from '@marshal/testing';
import { TokenStore } from '../auth/tokens';
import { GatewayModule } from '../gateway.module';
import { ProjectorProgress } from '../http/projector-progress';

const subjects = subjectsFor('gwconfig');
const ADMIN = 'admin-token-0123456789';
const VIEWER = 'viewer-token-0123456789';
const TEMPLATE = 'greeting = {{GREETING}}\n';

function helloWorld(): Package {
  const dir = join(__dirname, '..', '..', '..', '..', 'examples', 'hello-world');
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) files[f] = readFileSync(join(dir, f), 'utf8');
  files['svc.yml'] = files['svc.yml'].replace(
    '        goal: RUNNING\n',
    '        goal: RUNNING\n        configs:\n          greeting:\n            template: greeting.conf.mustache\n            dest: greeting.conf\n',
  );
  files['greeting.conf.mustache'] = TEMPLATE;
  return { name: 'hello-world', version: '1.0.0', files };
}

interface Answer<T = unknown> {
  status: number;
  type: string;
  text: string;
  body: T;
}

/**
 * The gateway's configuration API in one process on a real nats-server and PostgreSQL. Configurations are appended
 * as spec-renderer would (rendered with @marshal/spec) and projected into the read models; install and update
 * through spec-renderer are covered end to end by e2e/src/config-update.e2e.spec.ts.
 */
describe('configuration API of the gateway', () => {
  let nats: NatsServerHandle;
  let db: TestDatabase;
  let ds: DataSource;
  let nc: NatsConnection;
  let store: EventStore;
  let gateway: INestApplication;
  let url: string;
  let lastSeq = 0;

  /** Projects what the log holds and, as the projector does, announces the new checkpoint to the gateway. */
  const project = async (): Promise<void> => {
    const recs = await store.readAll(subjects.allEvents, { fromSeq: (await readCheckpoint(ds)) + 1 });
    if (recs.length) gateway.get(ProjectorProgress).advance(await projectBatch(ds, subjects, recs));
  };
  /** Appends a ConfigurationAccepted of hello-world rendered with these options, as spec-renderer would. */
  const accept = async (options: Record<string, unknown>, previous?: { configId: string; spec: ServiceSpec }): Promise<{ configId: string; spec: ServiceSpec }> => {
    const pkg = helloWorld();
    const r = renderPackage(pkg, { options });
    if (!r.spec) throw new Error(JSON.stringify(r.errors));
    const configId = randomUUID();
    const data = {
      service: 'hello-world', configId, previousConfigId: previous?.configId ?? null, spec: r.spec, options: r.resolvedOptions, package: pkg,
      schedulerEnv: r.schedulerEnv, warnings: r.warnings, diff: diffSpecs(previous?.spec ?? null, r.spec), changedPods: [],
    };
    const meta = { id: randomUUID(), at: new Date().toISOString(), correlationId: configId, causationId: null, actor: 'admin:test' };
    ({ seq: lastSeq } = await store.append(subjects.serviceConfig('hello-world'), makeEvent('ConfigurationAccepted', serviceAggregate('hello-world'), data, meta)));
    await project();
    return { configId, spec: r.spec };
  };
  const reject = async (errors: { path: string; message: string }[]): Promise<void> => {
    const meta = { id: randomUUID(), at: new Date().toISOString(), correlationId: 'c', causationId: null, actor: 'admin:test' };
    await store.append(subjects.serviceConfig('hello-world'), makeEvent('ConfigurationRejected', serviceAggregate('hello-world'), { service: 'hello-world', errors, warnings: [] }, meta));
    await project();
  };
  const call = async <T = unknown>(method: string, path: string, body?: unknown, token = VIEWER): Promise<Answer<T>> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* a text body */
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: parsed as T };
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase();
    ds = createDataSource({ url: db.url });
    await ds.initialize();
    await migrate(ds);
    nc = await connectNats({ servers: nats.url, name: 'gateway-config-test' });
    store = await EventStore.open(nc, subjects);
    const log = createLogger('gateway', 'test', 'silent');
    const config = { REQUEST_TIMEOUT_MS: 2_000, READ_WAIT_MS: 2_000, DEFAULT_SERVICE: '', AUTH_DISABLED: false };
    const ctx: ServiceContext = { service: 'gateway', instance: 'test', config, log, nc, subjects, store, bus: new CommandBus(nc, subjects), shutdown: new Shutdown(log) };
    const tokens = new TokenStore([
      { token: ADMIN, subject: 'alice', role: 'admin' },
      { token: VIEWER, subject: 'victor', role: 'viewer' },
    ]);
    @Module({ imports: [ServiceContextModule.forRoot(ctx), GatewayModule.forRoot(ds, tokens)] })
    class RootModule {}
    // As apps/gateway/src/main.ts sets it up.
    const adapter = new FastifyAdapter({ bodyLimit: 4 * 1024 * 1024 });
    adapter.getInstance().setReplySerializer((payload) => JSON.stringify(payload, null, 2));
    gateway = await NestFactory.create<NestFastifyApplication>(RootModule, adapter, { logger: false });
    await gateway.listen(0, '127.0.0.1');
    url = await gateway.getUrl();
  });
  afterAll(async () => {
    await gateway?.close();
    await nc?.close();
    await ds?.destroy();
    await db?.drop();
    await nats?.stop();
  });

  let first: { configId: string; spec: ServiceSpec };
  let second: { configId: string; spec: ServiceSpec };

  it('before any install: 404s', async () => {
    expect(await call('GET', '/v1/services/hello-world')).toMatchObject({ status: 404, text: 'Service hello-world not found' });
    expect(await call('GET', '/v1/configurations/targetId')).toMatchObject({ status: 404, text: 'No service is installed' });
  });

  it('describe shows the package, the resolved options, the target and the last rejection (Cosmos describe, reference §7.6)', async () => {
    first = await accept({});
    const described = await call('GET', '/v1/services/hello-world');
    expect(described).toMatchObject({
      status: 200,
      body: {
        name: 'hello-world',
        package: { name: 'hello-world', version: '1.0.0' },
        resolvedOptions: { service: { name: 'hello-world', user: 'root' }, hello: { count: 1, cpus: 0.1, mem: 32, disk: 25, placement: '', allow_decommission: false } },
        targetConfigId: first.configId,
        lastErrors: [],
      },
    });
    expect(described.text).toMatch(/^\{\n {2}"name": "hello-world",\n/);
  });

  it('GET /v1/configurations, /targetId, /target and /{id} (reference §6.4)', async () => {
    second = await accept({ hello: { cpus: 0.2 } }, first);
    expect(await call('GET', '/v1/configurations')).toMatchObject({ status: 200, body: [first.configId, second.configId] });
    expect(await call('GET', '/v1/configurations/targetId')).toMatchObject({ status: 200, body: [second.configId] });
    const target = await call<ServiceSpec>('GET', '/v1/configurations/target');
    expect(target).toMatchObject({ status: 200, type: 'application/json; charset=utf-8' });
    expect(target.body).toEqual(second.spec);
    expect((await call<ServiceSpec>('GET', `/v1/configurations/${first.configId}`)).body).toEqual(first.spec);
    expect(await call('GET', '/v1/service/hello-world/configurations')).toMatchObject({ status: 200, body: [first.configId, second.configId] });
  });

  it('a configuration is served with sorted keys: the diff of an update points into its lines', async () => {
    const text = (await call('GET', `/v1/configurations/${second.configId}`)).text.split('\n');
    expect(text.slice(0, 3)).toEqual(['{', '  "name": "hello-world",', '  "plans": [],']);
    const diff = diffSpecs(first.spec, second.spec);
    const [, newStart] = /^@@ -\d+,\d+ \+(\d+),\d+ @@/m.exec(diff) ?? [];
    const hunk = diff.split('\n').slice(3).filter((l) => !l.startsWith('-')).map((l) => l.slice(1));
    expect(text.slice(Number(newStart) - 1, Number(newStart) - 1 + hunk.length)).toEqual(hunk);
  });

  it('GET /v1/configurations/{id}/diff answers typed deltas per pod instance against the previous configuration, or ?from=', async () => {
    const d = await call<ConfigurationDiffBody>('GET', `/v1/configurations/${second.configId}/diff`);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ from: first.configId, to: second.configId, diff: diffSpecs(first.spec, second.spec) });
    expect(d.body.deltas).toEqual([
      expect.objectContaining({
        podInstance: 'hello-0',
        operation: 'MODIFY',
        beforeConfigId: first.configId,
        afterConfigId: second.configId,
        changes: [{ path: 'resourceSets.server-resource-set.cpus', before: 0.1, after: 0.2 }],
        tasks: [expect.objectContaining({ task: 'server', operation: 'MODIFY' })],
      }),
    ]);
    expect(d.body.deltas[0].before).toMatchObject({ type: 'hello' });
    const install = await call<ConfigurationDiffBody>('GET', `/v1/service/hello-world/configurations/${first.configId}/diff`);
    expect(install.body).toMatchObject({ from: null, diff: '', deltas: [{ podInstance: 'hello-0', operation: 'CREATE', before: null }] });
    const same = await call<ConfigurationDiffBody>('GET', `/v1/configurations/${second.configId}/diff?from=${second.configId}`);
    expect(same.body.deltas.map((x) => x.operation)).toEqual(['NOOP']);
    expect(await call('GET', `/v1/configurations/${second.configId}/diff?from=bad`)).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
  });

  it('a configuration id that is not a UUID is a 400; an unknown one a 404', async () => {
    expect(await call('GET', '/v1/configurations/not-a-uuid')).toMatchObject({
      status: 400,
      body: { code: 'INVALID_ARGUMENT', message: "Configuration id 'not-a-uuid' is not a UUID" },
    });
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await call('GET', `/v1/configurations/${unknown}`)).toMatchObject({ status: 404, text: `Configuration ${unknown} not found` });
  });

  it('GET /v1/artifacts/template/… answers the raw template as text/plain; 400 for a bad id, 404 for unknown names', async () => {
    const at = (rest: string) => call('GET', `/v1/artifacts/template/${rest}`);
    expect(await at(`${first.configId}/hello/server/greeting`)).toEqual({ status: 200, type: 'text/plain; charset=utf-8', text: TEMPLATE, body: TEMPLATE });
    expect(await at('nope/hello/server/greeting')).toMatchObject({ status: 400 });
    expect(await at(`${first.configId}/world/server/greeting`)).toMatchObject({ status: 404, text: 'Pod type world not found' });
    expect(await at(`${first.configId}/hello/client/greeting`)).toMatchObject({ status: 404, text: 'Task client not found in pod type hello' });
    expect(await at(`${first.configId}/hello/server/farewell`)).toMatchObject({ status: 404, text: 'Config file farewell not found in task server of pod type hello' });
  });

  it('reads wait for the sequence a write answered (?seq=)', async () => {
    const third = await accept({ hello: { mem: 64 } }, second);
    expect(await call('GET', `/v1/configurations/targetId?seq=${lastSeq}`)).toMatchObject({ body: [third.configId] });
    second = third;
  });

  it('describe shows the errors of the last rejected update, and the target it kept', async () => {
    const errors = [{ path: 'pods.hello.count', message: "New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks" }];
    await reject(errors);
    expect(await call('GET', '/v1/services/hello-world')).toMatchObject({ body: { targetConfigId: second.configId, lastErrors: errors, resolvedOptions: { hello: { mem: 64 } } } });
  });

  it('PUT /v1/services/{name} needs the admin role', async () => {
    expect(await call('PUT', '/v1/services/hello-world', { options: {} })).toMatchObject({ status: 403 });
  });

  describe('every request body is checked against its schema before anything is sent on', () => {
    it.each([
      ['an unknown field, named', { options: {}, force: true }, [{ path: '/force', message: "unknown field 'force'" }]],
      ['options that are not an object', { options: [1, 2] }, [{ path: '/options', message: 'must be object' }]],
      ['replace that is not a boolean', { replace: 'yes' }, [{ path: '/replace', message: 'must be boolean' }]],
      ['a package without files', { package: { name: 'x' } }, [{ path: '/package/files', message: 'is required' }]],
      ['a package file that is not text', { package: { files: { 'svc.yml': 42 } } }, [{ path: '/package/files/svc.yml', message: 'must be string' }]],
      ['an unknown package field', { package: { files: {}, checksum: 'x' } }, [{ path: '/package/checksum', message: "unknown field 'checksum'" }]],
    ])('PUT with %s → 400', async (_what, body, details) => {
      expect(await call('PUT', '/v1/services/hello-world', body, ADMIN)).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT', details } });
    });

    it('POST with an unknown field and no package → 400 naming both', async () => {
      const r = await call('POST', '/v1/services', { nmae: 'typo' }, ADMIN);
      expect(r).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT' } });
      expect((r.body as { details: unknown[] }).details).toEqual(
        expect.arrayContaining([
          { path: '/nmae', message: "unknown field 'nmae'" },
          { path: '/package', message: 'is required' },
        ]),
      );
    });

    it('a body that is not JSON, or not an object → 400', async () => {
      expect(await call('PUT', '/v1/services/hello-world', '{"options": ', ADMIN)).toMatchObject({ status: 400 });
      expect(await call('PUT', '/v1/services/hello-world', '[1, 2]', ADMIN)).toMatchObject({ status: 400, body: { details: [{ path: '/', message: 'must be a JSON object' }] } });
    });

    it('options nested 3000 levels deep → 400 with the pointer', async () => {
      const body = `{"options": {"hello": ${'{"a": '.repeat(3000)}1${'}'.repeat(3000)}}}`;
      const r = await call('PUT', '/v1/services/hello-world', body, ADMIN);
      expect(r).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT', details: [{ path: expect.stringMatching(/^\/options\/hello\/a\/a/), message: 'options may nest at most 32 levels' }] } });
    });

    it('a package larger than one NATS message → 400 saying how large it may be', async () => {
      const pkg = helloWorld();
      pkg.files['big.txt'] = 'x'.repeat(2 * 1024 * 1024);
      const r = await call('PUT', '/v1/services/hello-world', { package: pkg }, ADMIN);
      expect(r).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^the package and options take \d+ bytes; a request may take at most \d+$/) } });
    });

    it('a body over the HTTP limit → 413', async () => {
      const r = await call('PUT', '/v1/services/hello-world', { package: { files: { 'svc.yml': 'x'.repeat(5 * 1024 * 1024) } } }, ADMIN);
      expect(r.status).toBe(413);
    });

    it('none of them reached the log', async () => {
      expect(await store.headSeq()).toBe(lastSeq + 1);
    });
  });
});
