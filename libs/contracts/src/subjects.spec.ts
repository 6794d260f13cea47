import { decodeToken, encodeToken, subjectsFor } from './subjects';

describe('subjects', () => {
  const s = subjectsFor('marshal');

  it.each(['hello-world', 'path/to/svc', 'a.b', 'ünïcode svc', 'x~y*>'])('round-trips the token %p', (name) => {
    const token = encodeToken(name);
    expect(token).toMatch(/^[A-Za-z0-9_~-]+$/);
    expect(decodeToken(token)).toBe(name);
  });

  it('puts every event of a service under one filter, in its own subjects', () => {
    expect(s.serviceConfig('hello-world')).toBe('marshal.evt.svc.hello-world.config');
    expect(s.servicePlan('hello-world')).toBe('marshal.evt.svc.hello-world.plan');
    expect(s.serviceState('hello-world')).toBe('marshal.evt.svc.hello-world.state');
    expect(s.serviceTask('hello-world', 'a1')).toBe('marshal.evt.svc.hello-world.task.a1');
    expect(s.serviceEvents('hello-world')).toBe('marshal.evt.svc.hello-world.>');
  });

  it('parses subjects back into aggregates', () => {
    expect(s.parse(s.serviceTask('path/to/svc', 'agent.1'))).toEqual({
      kind: 'service',
      service: 'path/to/svc',
      stream: 'task',
      agentId: 'agent.1',
    });
    expect(s.parse(s.agent('a-7'))).toEqual({ kind: 'agent', agentId: 'a-7' });
    expect(s.parse(s.projections)).toEqual({ kind: 'system', stream: 'projections' });
    expect(s.parse(s.serviceState('path/to/svc'))).toEqual({ kind: 'service', service: 'path/to/svc', stream: 'state' });
    expect(s.parse('other.evt.agent.x')).toBeUndefined();
  });

  it('keeps namespaces apart and names their streams', () => {
    const t = subjectsFor('test-42');
    expect(t.stream).toBe('TEST_42_EVENTS');
    expect(t.allEvents).toBe('test-42.evt.>');
    expect(() => subjectsFor('Bad.NS')).toThrow(/namespace 'Bad.NS'/);
  });
});
