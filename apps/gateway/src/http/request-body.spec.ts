import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { MarshalError } from '@marshal/contracts';
import { assertNoBody, validateBody } from './request-body';

const request = (body: unknown, multipart = false): FastifyRequest => ({ body, isMultipart: () => multipart }) as unknown as FastifyRequest;

function errorOf(fn: () => unknown): MarshalError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MarshalError) return e;
    throw e;
  }
  throw new Error('expected a MarshalError');
}

describe('request bodies (docs/api.md: validated, unknown fields named, sizes limited)', () => {
  const Schema = Type.Object({ name: Type.String({ maxLength: 5 }) }, { additionalProperties: false });

  it('names an unknown field and a value over its limit, with their JSON pointers', () => {
    const e = errorOf(() => validateBody(Schema, { name: 'too long', colour: 'red' }, 'PUT /x'));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.details).toEqual([
      { path: '/colour', message: "unknown field 'colour'" },
      { path: '/name', message: 'must NOT have more than 5 characters' },
    ]);
    expect(e.message).toBe("invalid body of PUT /x: /colour unknown field 'colour'; /name must NOT have more than 5 characters");
  });

  it.each([
    ['no body', undefined],
    ['an empty string', ''],
    ['an empty object (some clients always send one)', {}],
  ])('a route that takes no body accepts %s', (_n, body) => {
    expect(() => assertNoBody(request(body), 'POST /v1/plans/:plan/stop')).not.toThrow();
  });

  it.each([
    ['an object, naming each field', { force: true }, [{ path: '/force', message: "unknown field 'force': POST /v1/plans/:plan/stop takes no body" }]],
    ['an array', ['a'], [{ path: '/', message: 'POST /v1/plans/:plan/stop takes no body' }]],
    ['a multipart form', undefined, [{ path: '/', message: 'POST /v1/plans/:plan/stop takes no body' }], true],
  ])('a route that takes no body refuses %s', (_n, body, details, multipart = false) => {
    expect(errorOf(() => assertNoBody(request(body, multipart), 'POST /v1/plans/:plan/stop')).details).toEqual(details);
  });
});
