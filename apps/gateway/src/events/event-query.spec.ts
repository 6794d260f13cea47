import { parseEventQuery } from './event-query';

describe('GET /v1/events query', () => {
  it('reads every filter, repeated names and comma-separated types, and the cursor', () => {
    expect(
      parseEventQuery({
        service: 'hello-world', plan: 'deploy', phase: 'hello', step: ['hello-0:[server,sidecar]', 'st-2'], pod: 'hello-0', task: 'hello-0-server',
        agent: 'a1', type: 'StepStatusChanged, TaskLaunched', actor: 'admin:alice', correlation: 'c1', causationId: 'e9',
        since: '2026-11-22T10:00:00Z', until: '2026-11-22T11:00:00+01:00', after: '41', limit: '10', data: 'false', wait: '20000',
      }),
    ).toEqual({
      filter: {
        service: ['hello-world'], plan: ['deploy'], phase: ['hello'], step: ['hello-0:[server,sidecar]', 'st-2'], pod: ['hello-0'], task: ['hello-0-server'],
        agent: ['a1'], type: ['StepStatusChanged', 'TaskLaunched'], actor: ['admin:alice'], correlationId: ['c1'], causationId: ['e9'],
        since: '2026-11-22T10:00:00.000Z', until: '2026-11-22T10:00:00.000Z',
      },
      page: { after: 41, limit: 10, data: false },
      waitMs: 20_000,
    });
  });

  it('takes the service from the path, and defaults to data and no wait', () => {
    expect(parseEventQuery({ tail: '5' }, 'kafka')).toEqual({ filter: { service: ['kafka'] }, page: { tail: 5, data: true }, waitMs: 0 });
  });

  it.each([
    [{ colour: 'red' }, /colour: unknown parameter; filters are service, plan/],
    [{ after: '-1' }, /after: must be an integer from 0/],
    [{ limit: '5000' }, /limit: must be an integer from 1 to 1000, got '5000'/],
    [{ since: 'yesterday' }, /since: must be an ISO-8601 time/],
    [{ since: '2026-11-23T00:00:00Z', until: '2026-11-22T00:00:00Z' }, /since: is after until/],
    [{ tail: '5', after: '3' }, /tail: cannot be combined with after or limit/],
    [{ wait: '60000' }, /wait: must be an integer from 0 to 30000/],
    [{ tail: '5', wait: '100' }, /wait: follows a cursor/],
    [{ after: ['1', '2'] }, /after: may be given once/],
    [{ data: 'maybe' }, /data: must be true or false/],
  ])('refuses %p naming the parameter', (raw, message) => {
    expect(() => parseEventQuery(raw)).toThrow(message);
  });
});
