import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_LOST_V1_REASON } from './events/agent.events';
import { EVENTS, EVENT_TYPES, eventDefinition, makeEvent, upcast, validateEvent, validateRecordedEvent, EventValidationError, type MarshalEvent } from './event-catalog';
import type { EventEnvelope, Recorded } from './envelope';
import { validateCommand } from './command-catalog';
import { heartbeatAgentIds } from './heartbeat';

const meta = { id: 'e1', at: '2026-11-22T10:00:00.000Z', correlationId: 'c1', causationId: null, actor: 'service:agent' };

describe('event catalogue', () => {
  it('accepts a well-formed event at its current version', () => {
    const e = makeEvent('AgentLost', 'agent:a1', { agentId: 'a1', lastSeen: '2026-11-22T09:59:00.000Z', reason: 'heartbeat' }, meta);
    expect(validateEvent(e)).toBe(e);
  });

  it('names the field that is wrong', () => {
    const e = makeEvent('AgentLost', 'agent:a1', { agentId: '', lastSeen: 'yesterday', reason: 'x' } as never, meta);
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
    expect(() => validateEvent({ ...makeEvent('AgentLost', 'agent:a1', { agentId: 'a', lastSeen: meta.at, reason: 'r' }, meta), type: 'Nope' })).toThrow(
      /unknown event type 'Nope'/,
    );
    expect(() => validateEvent({ ...makeEvent('AgentLost', 'agent:a1', { agentId: 'a', lastSeen: meta.at, reason: 'r' }, meta), version: 7 })).toThrow(
      /version 2/,
    );
    expect(() => validateEvent(makeEvent('AgentLost', 'agent:a1', { agentId: 'a', lastSeen: meta.at, reason: 'r', extra: 1 } as never, meta))).toThrow(
      /must NOT have additional properties/,
    );
  });

  it('returns current-version events unchanged when upcasting', () => {
    const e = makeEvent('AgentLost', 'agent:a1', { agentId: 'a', lastSeen: meta.at, reason: 'r' }, meta);
    expect(upcast(e)).toBe(e);
  });

  it('upcasts AgentLost v1 to v2 with the reason v1 implied, and refuses to append the old version', () => {
    const v1 = { ...makeEvent('AgentLost', 'agent:a1', { agentId: 'a1', lastSeen: meta.at } as never, meta), version: 1 } as EventEnvelope;
    expect(validateRecordedEvent(v1)).toBe(v1);
    const v2 = upcast(v1);
    expect(v2).toEqual({ ...v1, version: 2, data: { agentId: 'a1', lastSeen: meta.at, reason: AGENT_LOST_V1_REASON } });
    expect(validateEvent(v2)).toEqual(v2);
    expect(() => validateEvent(v1)).toThrow(/AgentLost must be appended at version 2, got 1/);
  });

  it('knows every version of every type from 1 to the current one, each upcast to a valid current event', () => {
    for (const type of EVENT_TYPES) {
      for (let v = 1; v <= EVENTS[type].version; v++) expect({ type, v, known: !!eventDefinition(type, v) }).toEqual({ type, v, known: true });
    }
    expect(eventDefinition('AgentLost', 3)).toBeUndefined();
    expect(() => validateRecordedEvent({ ...makeEvent('AgentLost', 'agent:a', { agentId: 'a', lastSeen: meta.at, reason: 'r' }, meta), version: 9 })).toThrow(
      /no AgentLost version 9/,
    );
  });

  it('reads the stored v1 log: each event valid at the version it was written at and valid again after upcasting', () => {
    const lines = readFileSync(join(__dirname, '..', 'fixtures', 'v1-hello-world.log.jsonl'), 'utf8').trim().split('\n');
    const log = lines.map((l) => JSON.parse(l) as Recorded);
    expect(log.map((r) => r.seq)).toEqual(log.map((_, i) => i + 1));
    expect(new Set(log.map((r) => r.event.version))).toEqual(new Set([1]));
    const lost = log.filter((r) => r.event.type === 'AgentLost');
    expect(lost).toHaveLength(1);
    for (const r of log) {
      validateRecordedEvent(r.event);
      const current = upcast(r.event) as MarshalEvent;
      expect(validateEvent(current)).toBe(current);
    }
    expect(upcast(lost[0].event).data).toMatchObject({ agentId: 'agent-1', reason: AGENT_LOST_V1_REASON });
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
