import { randomUUID } from 'node:crypto';
import { TimeoutError } from '@nats-io/transport-node';
import { MarshalError, makeEvent, subjectsFor } from '@marshal/contracts';
import { PoisonMessageError, SuspectServices, decodeRecorded, isTransientFailure } from './parked-events';

const subjects = subjectsFor('unit');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const event = () => {
  const id = randomUUID();
  return makeEvent('AgentLost', 'agent:a1', { agentId: 'a1', lastSeen: '2026-11-22T00:00:00.000Z', reason: 'test' }, { id, at: '2026-11-22T00:00:00.000Z', correlationId: id, causationId: null, actor: 'test' });
};

describe('decodeRecorded: what a consumer accepts from the stream', () => {
  it('decodes a catalogue event', () => {
    const e = event();
    expect(decodeRecorded({ seq: 3, subject: subjects.agent('a1'), data: bytes(JSON.stringify(e)) })).toEqual({ seq: 3, subject: subjects.agent('a1'), event: e });
  });

  it.each([
    ['not JSON', bytes('{"id": '), 'undecodable', /not a JSON event \(7 bytes\)/],
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'undecodable', /not a JSON event/],
    ['an unknown type', bytes(JSON.stringify({ ...event(), type: 'Nope\u0000' })), 'invalid', /the catalogue has no Nope. version 2/],
    ['data breaking its schema', bytes(JSON.stringify({ ...event(), data: { agentId: 1 } })), 'invalid', /invalid AgentLost v2 event: .*\/data\/agentId must be string/],
    ['a JSON value that is no envelope', bytes('42'), 'invalid', /invalid event envelope/],
  ] as const)('refuses %s', (_what, data, reason, message) => {
    let caught: unknown;
    try {
      decodeRecorded({ seq: 1, subject: 's', data });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PoisonMessageError);
    expect(caught).toMatchObject({ reason });
    expect((caught as Error).message).toMatch(message);
  });

  it('keeps the id and type of an invalid envelope for the parked record', () => {
    const e = event();
    expect(() => decodeRecorded({ seq: 1, subject: 's', data: bytes(JSON.stringify({ ...e, data: {} })) })).toThrow(
      expect.objectContaining({ eventId: e.id, eventType: 'AgentLost' }),
    );
  });
});

describe('isTransientFailure: failures that say nothing about the event', () => {
  it.each([
    ['a NATS timeout', new TimeoutError(), true],
    ['MarshalError UNAVAILABLE', new MarshalError('UNAVAILABLE', 'x'), true],
    ['MarshalError CONFLICT', new MarshalError('CONFLICT', 'x'), true],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), true],
    ['PostgreSQL shutting down (57P01)', Object.assign(new Error('terminating connection'), { code: '57P01' }), true],
    ['a serialization failure (40001)', Object.assign(new Error('could not serialize'), { code: '40001' }), true],
    ['a wrapped connection error', new Error('query failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }), true],
    ['MarshalError INVALID_ARGUMENT', new MarshalError('INVALID_ARGUMENT', 'x'), false],
    ['a NUL PostgreSQL cannot store (22P05)', Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }), false],
    ['a TypeError of a handler', new TypeError("Cannot read properties of undefined (reading 'x')"), false],
    ['a thrown string', 'boom', false],
  ])('%s → %s', (_what, e, transient) => {
    expect(isTransientFailure(e)).toBe(transient);
  });
});

describe('SuspectServices: the services a fold must not decide for', () => {
  it('holds a service suspect while any of its parked events is not applied, and names them', () => {
    const s = new SuspectServices(subjects);
    s.parked({ seq: 9, subject: subjects.serviceTask('kafka', 'a1') });
    s.parked({ seq: 4, subject: subjects.servicePlan('kafka') });
    s.parked({ seq: 5, subject: subjects.agent('a1') });
    expect(s.has('kafka')).toBe(true);
    expect(s.sequences('kafka')).toEqual([4, 9]);
    expect(s.error('kafka', 'plan-manager').message).toBe(
      "service 'kafka' is suspect: plan-manager parked its events at sequence 4, 9; nothing is decided for it until they are applied (marshal admin parked retry <seq> after a fix)",
    );
    expect(s.error('kafka', 'plan-manager').code).toBe('UNAVAILABLE');
    s.unparked({ seq: 4, subject: subjects.servicePlan('kafka') });
    expect(s.has('kafka')).toBe(true);
    s.unparked({ seq: 9, subject: subjects.serviceTask('kafka', 'a1') });
    expect(s.has('kafka')).toBe(false);
    expect(s.has('a1')).toBe(false);
  });
});
