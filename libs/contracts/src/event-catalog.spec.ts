import { makeEvent, upcast, validateEvent, EventValidationError } from './event-catalog';
import { validateCommand } from './command-catalog';
import { heartbeatAgentIds } from './heartbeat';

const meta = { id: 'e1', at: '2026-11-22T10:00:00.000Z', correlationId: 'c1', causationId: null, actor: 'service:agent' };

describe('event catalogue', () => {
  it('accepts a well-formed event at its current version', () => {
    const e = makeEvent('AgentLost', 'agent:a1', { agentId: 'a1', lastSeen: '2026-11-22T09:59:00.000Z' }, meta);
    expect(validateEvent(e)).toBe(e);
  });

  it('names the field that is wrong', () => {
    const e = makeEvent('AgentLost', 'agent:a1', { agentId: '', lastSeen: 'yesterday' } as never, meta);
    try {
      validateEvent(e);
      throw new Error('expected a validation error');
    } catch (err) {
      expect(err).toBeInstanceOf(EventValidationError);
      const paths = (err as EventValidationError).errors.map((x) => x.path);
      expect(paths).toEqual(expect.arrayContaining(['/data/agentId', '/data/lastSeen']));
    }
  });

  it('rejects unknown types, wrong versions and extra fields', () => {
    expect(() => validateEvent({ ...makeEvent('AgentLost', 'agent:a1', { agentId: 'a', lastSeen: meta.at }, meta), type: 'Nope' })).toThrow(
      /unknown event type 'Nope'/,
    );
    expect(() => validateEvent({ ...makeEvent('AgentLost', 'agent:a1', { agentId: 'a', lastSeen: meta.at }, meta), version: 7 })).toThrow(
      /version 1/,
    );
    expect(() => validateEvent(makeEvent('AgentLost', 'agent:a1', { agentId: 'a', lastSeen: meta.at, extra: 1 } as never, meta))).toThrow(
      /must NOT have additional properties/,
    );
  });

  it('returns current-version events unchanged when upcasting', () => {
    const e = makeEvent('AgentLost', 'agent:a1', { agentId: 'a', lastSeen: meta.at }, meta);
    expect(upcast(e)).toBe(e);
  });
});

describe('command catalogue', () => {
  it('rejects a malformed request naming the unknown field', () => {
    expect(() =>
      validateCommand('plan.command', {
        meta: { commandId: 'x', actor: 'a', correlationId: 'x' },
        service: 's',
        plan: 'deploy',
        action: 'start',
        bogus: true,
      }),
    ).toThrow(/unknown field 'bogus'/);
  });
});

describe('heartbeats', () => {
  it('vouch for the agent ids they list, and a malformed one for none', () => {
    expect(heartbeatAgentIds({ agentIds: ['a1', 'a2'], at: '2026-11-22T10:00:00.000Z' })).toEqual(['a1', 'a2']);
    expect(heartbeatAgentIds({ agentIds: ['a1', '', 7] })).toEqual(['a1']);
    expect(heartbeatAgentIds({ agentId: 'a1' })).toEqual([]);
    expect(heartbeatAgentIds('a1')).toEqual([]);
  });
});
