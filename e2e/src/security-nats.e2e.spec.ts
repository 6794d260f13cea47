import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Registry } from 'prom-client';
import { agentIdentityName, makeEvent, serviceAggregate, subjectsFor, type EventOf } from '@marshal/contracts';
import { EventStore, PERMISSION_VIOLATIONS_METRIC, connectNats, type Logger } from '@marshal/messaging';
import { eventually } from '@marshal/testing';
import { root, startCluster, type Cluster } from './support';

/** A logger that keeps what it was told, to show a refusal is logged where the service's own log would have it. */
function capturingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const noop = (): void => undefined;
  return { errors, debug: noop, info: noop, warn: noop, error: (_o: object, msg?: string) => void errors.push(msg ?? '') };
}

/**
 * The trust boundary on NATS, attacked from inside: every role has its own identity and nats-server enforces what each
 * may publish and subscribe (docs/security.md "NATS identities and permissions"). Each attack is refused, the refusal
 * is visible (nats-server's log; the client's log line and counter), and the event log does not change.
 */
describe('NATS identities and permissions', () => {
  let cluster: Cluster;
  let subjects: ReturnType<typeof subjectsFor>;
  let admin: NatsConnection;

  const serverLog = (): string => readFileSync(cluster.nats.auth?.logFile ?? '', 'utf8');
  const lastSeq = async (): Promise<number> => (await (await jetstreamManager(admin)).streams.info(subjects.stream)).state.last_seq;
  /** Connects as one identity through the services' own connection code, counting and logging what is refused. */
  const connectAs = async (identity: string) => {
    const registry = new Registry();
    const log = capturingLogger();
    const seed = readFileSync(cluster.nats.auth?.seedFile(identity) ?? '', 'utf8').trim();
    const nc = await connectNats({ servers: cluster.nats.url, name: `attacker/${identity}`, auth: { nkeySeed: seed }, registry }, log);
    const refused = async (): Promise<number> => {
      const m = (await registry.getMetricsAsJSON()).find((x) => x.name === PERMISSION_VIOLATIONS_METRIC);
      return (m?.values ?? []).reduce((n, v) => n + v.value, 0);
    };
    return { nc, log, refused };
  };

  beforeAll(async () => {
    cluster = await startCluster([
      { id: 'agent-1', zone: 'zone-a' },
      { id: 'agent-2', zone: 'zone-b' },
    ]);
    subjects = subjectsFor(cluster.namespace);
    admin = await connect(cluster.nats.clientOptions());
    expect(await cluster.cli('install', join(root, 'examples', 'hello-world'))).toMatchObject({ code: 0 });
    await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE');
  }, 180_000);
  afterAll(async () => {
    await admin?.close();
    await cluster?.stop();
  });

  it('runs a whole deploy with every service on its own identity and not one permissions violation', () => {
    expect(cluster.nats.auth).toBeDefined();
    const log = serverLog();
    expect(log).toContain('Server is ready');
    expect(log.split('\n').filter((l) => /Violation/.test(l))).toEqual([]);
  });

  it("refuses a TaskLaunched an agent appends for another agent: nats-server's permissions violation, nothing logged, nothing run", async () => {
    const store = await EventStore.open(admin, subjects);
    const launched = (await store.readAll(subjects.serviceEvents('hello-world'))).map((r) => r.event).find((e) => e.type === 'TaskLaunched') as
      | EventOf<'TaskLaunched'>
      | undefined;
    if (!launched) throw new Error('hello-world has no TaskLaunched');
    const victim = launched.data.agentId === 'agent-1' ? 'agent-2' : 'agent-1';
    const attacker = launched.data.agentId;
    const marker = `forged-${randomUUID()}`;
    const forged = makeEvent(
      'TaskLaunched',
      serviceAggregate('hello-world'),
      {
        ...launched.data,
        agentId: victim,
        hostname: victim,
        reservationId: randomUUID(),
        task: { ...launched.data.task, taskId: `hello-world__${marker}__${randomUUID()}`, taskName: marker, cmd: `echo owned > ${marker}` },
      },
      { id: randomUUID(), at: new Date().toISOString(), correlationId: marker, causationId: null, actor: 'coordinator' },
    );
    const before = await lastSeq();
    const { nc, log, refused } = await connectAs(agentIdentityName(attacker));
    try {
      const subject = subjects.serviceTask('hello-world', victim);
      await expect(jetstream(nc).publish(subject, JSON.stringify(forged), { msgID: forged.id, timeout: 2_000 })).rejects.toThrow();
      await eventually(async () => expect(await refused()).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000, what: 'the refusal counted' });
      expect(log.errors.join('\n')).toContain(`NATS refused publish on ${subject}: permissions violation`);
      expect(serverLog()).toMatch(new RegExp(`Publish Violation.*Subject "${subject.replace(/[.*]/g, '\\$&')}"`));
    } finally {
      await nc.close();
    }
    expect(await lastSeq()).toBe(before);
    // The victim's sandboxes hold no trace of the forged task.
    const sandboxes = join(cluster.ensemble.agentDir(victim), 'sandboxes');
    const names = existsSync(sandboxes) ? readdirSync(sandboxes) : [];
    expect(names.filter((n) => n.includes(marker))).toEqual([]);
  });

  it('refuses an operator command with a made-up actor from any identity but the gateway', async () => {
    const before = await lastSeq();
    const planBefore = (await cluster.waitForPlan('hello-world', 'deploy', 'COMPLETE')).status;
    for (const identity of ['coordinator', agentIdentityName('agent-1')]) {
      const { nc, log, refused } = await connectAs(identity);
      try {
        const request = {
          meta: { commandId: randomUUID(), actor: 'admin:mallory', correlationId: randomUUID() },
          service: 'hello-world',
          plan: 'deploy',
          action: 'restart',
        };
        const subject = subjects.command('plan.command');
        await expect(nc.request(subject, JSON.stringify(request), { timeout: 2_000 })).rejects.toThrow();
        await eventually(async () => expect(await refused()).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000, what: `${identity}'s refusal counted` });
        expect(log.errors.join('\n')).toContain(`NATS refused publish on ${subject}: permissions violation`);
        expect(serverLog()).toMatch(new RegExp(`Publish Violation.*Subject "${subject.replace(/[.*]/g, '\\$&')}"`));
      } finally {
        await nc.close();
      }
    }
    expect(await lastSeq()).toBe(before);
    expect((await cluster.get<{ status: string }>('/v1/service/hello-world/plans/deploy', { fresh: true })).body.status).toBe(planBefore);
    const forgedActor = await cluster.get<{ events: unknown[] }>('/v1/events?actor=admin:mallory');
    expect(forgedActor.body.events).toEqual([]);
  });

  it('gives an agent no way to follow another agent\'s launches', async () => {
    const { nc, log, refused } = await connectAs(agentIdentityName('agent-1'));
    try {
      const js = jetstream(nc, { timeout: 2_000 });
      await expect(
        (async () => {
          const c = await js.consumers.get(subjects.stream, { filter_subjects: subjects.agentTasks('agent-2') });
          await c.info();
        })(),
      ).rejects.toThrow();
      await eventually(async () => expect(await refused()).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000, what: 'the refusal counted' });
      expect(log.errors.join('\n')).toMatch(/NATS refused publish on \$JS\.API\.CONSUMER\.CREATE\..*agent-2/);
    } finally {
      await nc.close();
    }
  });

  it('refuses a connection without credentials (what a task has): it cannot publish garbage on the event subjects', async () => {
    const before = await lastSeq();
    await expect(connect({ servers: cluster.nats.url, reconnect: false, timeout: 2_000 })).rejects.toThrow(/Authorization Violation/);
    expect(serverLog()).toMatch(/authentication error/);
    expect(await lastSeq()).toBe(before);
  });
});
