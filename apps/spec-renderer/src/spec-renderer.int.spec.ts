import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjectsFor, type CommandReply, type CommandRequest, type EventOf, type Package } from '@marshal/contracts';
import { CommandBus, EventStore, connectNats } from '@marshal/messaging';
import { Shutdown, createLogger, startService, type ServiceContext } from '@marshal/runtime';
import { startNatsServer, type NatsServerHandle } from '@marshal/testing';
import { SpecRendererConfig } from './config';
import { SpecRendererModule } from './spec-renderer.module';

const subjects = subjectsFor('specrenderer');
const SERVICE = 'hello-world';
const MiB = 1024 * 1024;

function helloWorld(overrides: Record<string, string> = {}): Package {
  const dir = join(__dirname, '..', '..', '..', 'examples', 'hello-world');
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) files[f] = readFileSync(join(dir, f), 'utf8');
  return { name: 'hello-world', version: '1.0.0', files: { ...files, ...overrides } };
}

const meta = () => ({ commandId: randomUUID(), actor: 'admin:test', correlationId: randomUUID() });

describe('spec-renderer over a real nats-server', () => {
  let nats: NatsServerHandle;
  let nc: NatsConnection;
  let bus: CommandBus;
  let store: EventStore;
  let app: INestMicroservice;

  const submit = (req: Partial<CommandRequest<'spec.submit'>>): Promise<CommandReply<'spec.submit'>> =>
    bus.request('spec.submit', { meta: meta(), mode: 'update', service: SERVICE, options: {}, replace: false, ...req }, { timeoutMs: 20_000, retries: 0 });
  /** A request as raw text, as any NATS client could send it. */
  const raw = async (command: 'spec.submit' | 'spec.render', body: string): Promise<{ ok: boolean; error?: { code: string; message: string; details: unknown[] } }> =>
    (await nc.request(subjects.command(command), body, { timeout: 20_000 })).json();
  const configEvents = () => store.readAll(subjects.serviceConfig(SERVICE));

  beforeAll(async () => {
    // Larger messages than the 1 MiB default, so oversized input reaches the renderer instead of stopping at NATS.
    nats = await startNatsServer({ maxPayload: 8 * MiB });
    nc = await connectNats({ servers: nats.url, name: 'spec-renderer-test' });
    store = await EventStore.open(nc, subjects);
    bus = new CommandBus(nc, subjects);
    const log = createLogger('spec-renderer', 'test', 'silent');
    const ctx: ServiceContext = { service: 'spec-renderer', instance: 'test', config: {}, log, nc, subjects, store, bus, shutdown: new Shutdown(log) };
    ({ app } = await startService({ definition: SpecRendererConfig, module: SpecRendererModule }, ctx));
  });
  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await nats?.stop();
  });

  it('refuses to update a service that was never installed, appending nothing', async () => {
    await expect(submit({ options: { hello: { cpus: 0.2 } } })).rejects.toMatchObject({ code: 'NOT_FOUND', message: `Service ${SERVICE} not found` });
    expect(await store.headSeq()).toBe(0);
  });

  it('a failed install leaves no trace: the reply lists every error and the log stays empty', async () => {
    const reply = await submit({ mode: 'install', package: helloWorld(), options: { hello: { count: 'two', cpus: -1 } } });
    expect(reply).toMatchObject({ accepted: false, configId: null });
    expect(reply.errors).toEqual(
      expect.arrayContaining([
        { path: '/hello/count', message: 'must be integer' },
        { path: '/hello/cpus', message: 'must be > 0' },
      ]),
    );
    expect(await store.headSeq()).toBe(0);
  });

  it('installs, then an update of hello.cpus becomes the new target with a diff naming the change', async () => {
    const installed = await submit({ mode: 'install', package: helloWorld() });
    expect(installed).toMatchObject({ accepted: true, service: SERVICE, unchanged: false, diff: '' });

    const updated = await submit({ options: { hello: { cpus: 0.2 } } });
    expect(updated).toMatchObject({ accepted: true, unchanged: false });
    expect(updated.configId).not.toBe(installed.configId);
    expect(updated.diff).toContain('@@ pods.hello.resourceSets.server-resource-set.cpus');
    expect(updated.diff).toMatch(/^-\s+"cpus": 0\.1,\n\+\s+"cpus": 0\.2,$/m);
    expect(updated.seq).toBeGreaterThan(installed.seq);
    expect(installed.deltas.map((d) => `${d.podInstance}:${d.operation}`)).toEqual(['hello-0:CREATE']);
    expect(updated.deltas).toEqual([
      expect.objectContaining({
        podInstance: 'hello-0',
        operation: 'MODIFY',
        beforeConfigId: installed.configId,
        afterConfigId: updated.configId,
        changes: [{ path: 'resourceSets.server-resource-set.cpus', before: 0.1, after: 0.2 }],
      }),
    ]);

    const [first, second] = (await configEvents()).map((r) => r.event as EventOf<'ConfigurationAccepted'>);
    expect(second.data).toMatchObject({ previousConfigId: installed.configId, changedPods: ['hello'], options: { hello: { cpus: 0.2, count: 1 } } });
    expect(first.data.configId).toBe(installed.configId);
  });

  it('submitting the same options again changes nothing and appends nothing', async () => {
    const before = await store.headSeq();
    const again = await submit({ options: { hello: { cpus: 0.2 } } });
    expect(again).toMatchObject({ accepted: true, unchanged: true, diff: '', seq: before });
    expect(again.deltas.map((d) => `${d.podInstance}:${d.operation}`)).toEqual(['hello-0:NOOP']);
    expect(await store.headSeq()).toBe(before);
  });

  it('the update dry run answers the deltas against the target and appends nothing', async () => {
    const before = await store.headSeq();
    const dry = await bus.request('spec.render', { meta: meta(), service: SERVICE, options: { hello: { count: 2 } }, replace: false });
    expect(dry).toMatchObject({ valid: true });
    expect(dry.deltas.map((d) => `${d.podInstance}:${d.operation}`)).toEqual(['hello-0:NOOP', 'hello-1:CREATE']);
    expect(dry.deltas[1]).toMatchObject({ before: null, afterConfigId: null, after: expect.objectContaining({ type: 'hello' }) });
    expect(await store.headSeq()).toBe(before);
  });

  it('rejects a count decrease without allow-decommission and records the rejection with its path and reason', async () => {
    const before = await configEvents();
    const reply = await submit({ options: { hello: { count: 0 } } });
    expect(reply).toMatchObject({
      accepted: false,
      configId: null,
      errors: [{ path: 'pods.hello.count', message: "New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks" }],
    });
    const after = await configEvents();
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ seq: reply.seq, event: { type: 'ConfigurationRejected', data: { service: SERVICE, errors: reply.errors } } });
    // The target is unchanged: the stored options still say one pod.
    expect(await submit({ options: {} })).toMatchObject({ accepted: true, unchanged: true });
  });

  it('the current target submitted again after a rejection clears it: ConfigurationRevalidated once, the target kept', async () => {
    expect(await submit({ options: { hello: { count: 0 } } })).toMatchObject({ accepted: false });
    const before = await configEvents();
    const target = (before.filter((r) => r.event.type === 'ConfigurationAccepted').at(-1)?.event as EventOf<'ConfigurationAccepted'>).data.configId;
    expect(before.at(-1)?.event.type).toBe('ConfigurationRejected');
    const again = await submit({ options: {} });
    expect(again).toMatchObject({ accepted: true, unchanged: true, configId: target });
    const after = await configEvents();
    expect(after).toHaveLength(before.length + 1);
    expect(after.at(-1)).toMatchObject({ seq: again.seq, event: { type: 'ConfigurationRevalidated', data: { service: SERVICE, configId: target } } });
    // Nothing left to clear: a further resubmission appends nothing.
    expect(await submit({ options: {} })).toMatchObject({ unchanged: true, seq: again.seq });
    expect(await configEvents()).toHaveLength(after.length);
  });

  describe('bad input from NATS gets a clear error and appends nothing', () => {
    let head: number;
    beforeEach(async () => {
      head = await store.headSeq();
    });
    afterEach(async () => {
      expect(await store.headSeq()).toBe(head);
    });

    it('malformed JSON', async () => {
      expect(await raw('spec.submit', '{"meta": {')).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'spec.submit: request is not valid JSON' } });
    });

    it('wrong shapes: an unknown mode and an unknown field, each named', async () => {
      const reply = await raw('spec.submit', JSON.stringify({ meta: meta(), mode: 'explode', service: SERVICE, options: {}, replace: false, colour: 'red' }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
      expect(reply.error?.details).toEqual(expect.arrayContaining([{ path: '/', message: "unknown field 'colour'" }, expect.objectContaining({ path: '/mode' })]));
    });

    it.each([
      ['a string', '"three pods"'],
      ['an array', '[1, 2]'],
      ['null', 'null'],
    ])('options that are %s', async (_what, options) => {
      const body = `{"meta": ${JSON.stringify(meta())}, "mode": "update", "service": "${SERVICE}", "options": ${options}, "replace": false}`;
      const reply = await raw('spec.submit', body);
      expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', details: [{ path: '/options', message: 'must be object' }] } });
    });

    it('options nested 5000 levels deep', async () => {
      const options = `{"service": ${'{"a": '.repeat(5000)}1${'}'.repeat(5000)}}`;
      const body = `{"meta": ${JSON.stringify(meta())}, "mode": "update", "service": "${SERVICE}", "options": ${options}, "replace": false}`;
      const reply = await raw('spec.submit', body);
      expect(reply).toMatchObject({ ok: true, data: { accepted: false, errors: [{ path: `/service${'/a'.repeat(31)}`, message: 'options nest deeper than 32 levels' }] } });
    });

    it('a 5 MB svc.yml, on update and on install', async () => {
      const huge = helloWorld({ 'svc.yml': `# ${'x'.repeat(5 * MiB)}\n` });
      const expected = [{ path: 'svc.yml', message: 'svc.yml is 5.0 MiB; a service YAML may be at most 1 MiB (MAX_SERVICE_YAML_BYTES)' }];
      expect(await submit({ package: huge })).toMatchObject({ accepted: false, errors: expected });
      expect(await submit({ mode: 'install', service: 'other', package: huge })).toMatchObject({ accepted: false, errors: expected });
    });

    it.each([5000, 2147483647])('an update to count %d: refused with the bound, recorded nowhere', async (count) => {
      const reply = await submit({ options: { hello: { count } } });
      expect(reply).toMatchObject({ accepted: false, configId: null });
      expect(reply.errors).toContainEqual({ path: 'pods.hello.count', message: `count is ${count}; a pod type may have at most 1000 instances (MAX_PODS_PER_TYPE)` });
    });

    it('YAML nested 20000 levels deep', async () => {
      const deep = helloWorld({ 'svc.yml': `name: x\npods: ${'['.repeat(20000)}${']'.repeat(20000)}\n` });
      const reply = await submit({ package: deep });
      expect(reply).toMatchObject({ accepted: false, errors: [{ path: 'svc.yml', message: expect.stringMatching(/^YAML syntax error: Maximum call stack size exceeded/) }] });
    });

    it('a mustache error in svc.yml, for submit and for the dry run', async () => {
      const broken = helloWorld({ 'svc.yml': 'name: {{FRAMEWORK_NAME}}\n{{#HELLO_COUNT}}\npods: {}\n' });
      const expected = [{ path: 'svc.yml', message: expect.stringMatching(/^Mustache template error: Unclosed section "HELLO_COUNT"/) }];
      expect(await submit({ package: broken })).toMatchObject({ accepted: false, errors: expected });
      const dry = await bus.request('spec.render', { meta: meta(), service: SERVICE, package: broken, options: {}, replace: false });
      expect(dry).toMatchObject({ valid: false, spec: null, errors: expected });
    });

    it('a package over the event size limit', async () => {
      // The request fits, but the event carries the 5 MB template twice (package file and spec) and does not.
      const svc = helloWorld().files['svc.yml'].replace('        goal: RUNNING\n', '        goal: RUNNING\n        configs:\n          notes:\n            template: notes.txt\n            dest: notes.txt\n');
      const fat = helloWorld({ 'svc.yml': svc, 'notes.txt': 'n'.repeat(5 * MiB) });
      const reply = await raw('spec.submit', JSON.stringify({ meta: meta(), mode: 'update', service: SERVICE, package: fat, options: { hello: { cpus: 0.5 } }, replace: false }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^the configuration takes \d+ bytes as an event; the event log takes at most \d+ bytes per event/) } });
    });
  });

  it('two concurrent updates both land, the second evaluated again over the first', async () => {
    const [a, b] = await Promise.all([submit({ options: { hello: { cpus: 0.3 } } }), submit({ options: { hello: { mem: 64 } } })]);
    expect(a.accepted && b.accepted).toBe(true);
    const accepted = (await configEvents()).map((r) => r.event).filter((e): e is EventOf<'ConfigurationAccepted'> => e.type === 'ConfigurationAccepted');
    const [x, y] = accepted.slice(-2);
    expect(y.data.previousConfigId).toBe(x.data.configId);
    expect(y.data.options).toMatchObject({ hello: { cpus: 0.3, mem: 64 } });
  });
});
