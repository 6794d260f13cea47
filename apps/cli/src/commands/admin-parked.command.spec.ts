import type { Server } from 'node:http';
import type { ParkedEvent } from '@marshal/contracts';
import { routeReply, standInGateway, runCli as run, type Reply, type Seen } from '../testing/stand-in-gateway';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));
async function stub(answer: (req: Seen, n: number) => Reply) {
  const g = await standInGateway(answer);
  servers.push(g.server);
  return g;
}

const entry = (consumer: string, over: Partial<ParkedEvent> = {}): ParkedEvent => ({
  consumer,
  seq: 42,
  subject: 'marshal.evt.svc.hello-world.task.a1',
  eventId: null,
  type: null,
  reason: 'undecodable',
  error: 'not a JSON event (3 bytes): Unexpected token',
  attempts: 1,
  retries: 0,
  parkedAt: '2026-12-07T10:00:00.000Z',
  ...over,
});

describe('marshal admin parked', () => {
  it('list prints each parked event with its consumer, subject, reason and error', async () => {
    const g = await stub((req) => routeReply(req, 'GET /v1/admin/parked', 200, { parked: [entry('plan-manager'), entry('state-projector', { seq: 50, type: 'TaskStatusUpdated', eventId: 'e-1', reason: 'invalid', error: 'invalid TaskStatusUpdated v1 event: /data must have required property taskId' })] }));
    const r = await run(g.url, 'admin', 'parked', 'list');
    expect(g.seen).toEqual([{ method: 'GET', url: '/v1/admin/parked', body: '' }]);
    expect(r.out).toBe(
      '2 parked events:\n' +
        '  seq 42  plan-manager  marshal.evt.svc.hello-world.task.a1  not an event\n' +
        '    undecodable after 1 attempt, parked 2026-12-07T10:00:00.000Z: not a JSON event (3 bytes): Unexpected token\n' +
        '  seq 50  state-projector  marshal.evt.svc.hello-world.task.a1  TaskStatusUpdated e-1\n' +
        '    invalid after 1 attempt, parked 2026-12-07T10:00:00.000Z: invalid TaskStatusUpdated v1 event: /data must have required property taskId\n',
    );
  });

  it('list says when nothing is parked', async () => {
    const g = await stub((req) => routeReply(req, 'GET /v1/admin/parked', 200, { parked: [] }));
    expect((await run(g.url, 'admin', 'parked', 'list')).out).toBe('No parked events.\n');
  });

  it('retry <seq> posts the retry and says what was applied and what is still parked', async () => {
    const g = await stub((req) =>
      routeReply(req, 'POST /v1/admin/parked/{seq}/retry', 200, { seq: 42, consumers: ['coordinator', 'plan-manager'], unparked: ['coordinator'], stillParked: [entry('plan-manager', { retries: 1, attempts: 2 })] }),
    );
    const r = await run(g.url, 'admin', 'parked', 'retry', '42');
    expect(g.seen).toEqual([{ method: 'POST', url: '/v1/admin/parked/42/retry', body: '{}' }]);
    expect(r.out).toBe(
      'Retried sequence 42 on coordinator, plan-manager.\n' +
        'Applied, no longer parked: coordinator.\n' +
        'Still parked by plan-manager (1 failed retry): not a JSON event (3 bytes): Unexpected token\n',
    );
  });

  it('retry refuses a <seq> that is not a stream sequence, without asking the gateway', async () => {
    const g = await stub(() => [500, 'unexpected']);
    await expect(run(g.url, 'admin', 'parked', 'retry', '4x2')).rejects.toThrow(/<seq> must be a stream sequence \(a positive integer\), got '4x2'/);
    expect(g.seen).toEqual([]);
  });
});
