import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { subjectsFor, type ParkedEvent, type ParkedList } from '@marshal/contracts';
import { eventually, freePort } from '@marshal/testing';
import { root, startCluster, type Cluster, type PlanBody } from './support';

/**
 * Poison events in a running ensemble (docs/architecture.md): a message that is not JSON and an event that violates
 * its schema, published straight onto event subjects, are parked by every consumer that meets them and skipped; the
 * deploy goes on, the services say they are degraded, an admin lists and retries them. A parked event of a service
 * makes that service suspect: its plans show the parked sequence and nothing is decided for it.
 */
describe('poison events are parked, listed and retried while the ensemble keeps working', () => {
  let cluster: Cluster;
  let nc: NatsConnection;
  const ports = { planManager: 0, projector: 0 };

  beforeAll(async () => {
    ports.planManager = await freePort();
    ports.projector = await freePort();
    cluster = await startCluster([{ id: 'agent-1' }, { id: 'agent-2' }], {
      serviceEnv: {
        'plan-manager': { HEALTH_PORT: String(ports.planManager) },
        'state-projector': { HEALTH_PORT: String(ports.projector) },
      },
    });
    // With admin rights: a role's own rights would let it publish garbage on its own subjects only.
    nc = await connect({ ...cluster.nats.clientOptions(), name: 'poison-e2e' });
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  const admin = async <T>(method: string, path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${cluster.ensemble.gatewayUrl}${path}`, { method, headers: { authorization: `Bearer ${cluster.ensemble.tokens.admin}` } });
    return { status: res.status, body: (await res.json()) as T };
  };
  const healthz = async (port: number): Promise<{ status: string; details: { parked: number } }> =>
    (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { status: string; details: { parked: number } };
  const consumersOf = (list: ParkedEvent[], seq: number): string[] => list.filter((p) => p.seq === seq).map((p) => p.consumer);

  it('parks a non-JSON message and a schema-violating event, completes the deploy, lists them, reports degraded and retries', async () => {
    const subjects = subjectsFor(cluster.namespace);
    const js = jetstream(nc);
    // Not JSON, with a NUL: on the task subject of a service nobody installed, on agent-1.
    const garbage = await js.publish(subjects.serviceTask('intruder', 'agent-1'), new Uint8Array([0x00, 0x7b, 0x22, 0xff]));
    // A well-formed envelope whose data breaks AgentRegistered's schema, on an agent's ledger.
    const invalid = await js.publish(
      subjects.agent('ghost'),
      JSON.stringify({ id: 'bad-1', type: 'AgentRegistered', version: 1, aggregate: 'agent:ghost', at: new Date().toISOString(), correlationId: 'x', causationId: null, actor: 'intruder', data: { agentId: 42 } }),
    );

    const installed = await cluster.cli('install', join(root, 'examples', 'hello-world'), '--name', 'hello', '--wait');
    expect(installed).toMatchObject({ code: 0 });
    await cluster.waitForPlan('hello', 'deploy', 'COMPLETE');

    const listed = await eventually(
      async () => {
        const r = await admin<ParkedList>('GET', '/v1/admin/parked');
        expect(r.status).toBe(200);
        expect(consumersOf(r.body.parked, garbage.seq)).toEqual(['agent-agent-1', 'coordinator', 'plan-manager', 'state-projector']);
        expect(consumersOf(r.body.parked, invalid.seq)).toEqual(['coordinator', 'offer-evaluator', 'state-projector']);
        return r.body.parked;
      },
      { timeoutMs: 20_000, what: 'both events parked by every consumer that met them' },
    );
    expect(listed.every((p) => p.seq === garbage.seq || p.seq === invalid.seq)).toBe(true);
    expect(listed.find((p) => p.seq === garbage.seq)).toMatchObject({ reason: 'undecodable', eventId: null, subject: subjects.serviceTask('intruder', 'agent-1') });
    const bad = listed.find((p) => p.seq === invalid.seq && p.consumer === 'coordinator');
    expect(bad).toMatchObject({ reason: 'invalid', eventId: 'bad-1', type: 'AgentRegistered' });
    expect(bad?.error).toMatch(/\/data\/agentId/);

    // Viewers may not see them.
    expect((await cluster.get('/v1/admin/parked')).status).toBe(403);
    expect(await healthz(ports.planManager)).toMatchObject({ status: 'degraded', details: { parked: 1 } });
    expect(await healthz(ports.projector)).toMatchObject({ status: 'degraded', details: { parked: 2 } });
    expect(await (await fetch(`http://127.0.0.1:${ports.planManager}/metrics`)).text()).toMatch(/marshal_events_parked_total\{consumer="plan-manager"\} 1/);

    // The CLI lists them, and a retry re-runs them: still garbage, so still parked, with the retry counted.
    const list = await cluster.cli('admin', 'parked', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`seq ${garbage.seq}  plan-manager  ${subjects.serviceTask('intruder', 'agent-1')}  not an event`);
    const retried = await cluster.cli('admin', 'parked', 'retry', String(garbage.seq));
    expect(retried).toMatchObject({ code: 0 });
    expect(retried.stdout).toContain(`Retried sequence ${garbage.seq} on agent-agent-1, coordinator, plan-manager, state-projector.`);
    expect(retried.stdout).toMatch(/Still parked by plan-manager \(1 failed retry\): not a JSON event/);
    const missing = await fetch(`${cluster.ensemble.gatewayUrl}/v1/admin/parked/${invalid.seq + 100_000}/retry`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.ensemble.tokens.admin}` },
    });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain(`no consumer has parked the event at sequence ${invalid.seq + 100_000}`);
    const notASeq = await fetch(`${cluster.ensemble.gatewayUrl}/v1/admin/parked/12abc/retry`, { method: 'POST', headers: { authorization: `Bearer ${cluster.ensemble.tokens.admin}` } });
    expect(notASeq.status).toBe(400);
    expect(await notASeq.text()).toContain("seq must be a stream sequence (a positive integer), got '12abc'");
  });

  it('a parked event of an installed service makes it suspect: its plans name the sequence and its commands are refused', async () => {
    const subjects = subjectsFor(cluster.namespace);
    const poison = await jetstream(nc).publish(subjects.serviceTask('hello', 'agent-2'), 'not json at all');
    const plan = await eventually(
      async () => {
        const r = await cluster.get<PlanBody>('/v1/service/hello/plans/deploy');
        expect(r.status).toBe(417);
        return r.body;
      },
      { timeoutMs: 20_000, what: 'the deploy plan of hello shows the parked event' },
    );
    expect(plan.errors.join('\n')).toContain(`event ${poison.seq} of this service is parked by coordinator and plan-manager`);
    const restart = await fetch(`${cluster.ensemble.gatewayUrl}/v1/service/hello/plans/deploy/restart`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.ensemble.tokens.operator}` },
    });
    expect(restart.status).toBe(503);
    expect(await restart.text()).toContain(`plan-manager parked its event at sequence ${poison.seq}`);
  });
});
