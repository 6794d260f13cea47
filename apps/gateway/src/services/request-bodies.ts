import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';
import { MAX_FILE_PATH_LENGTH, MarshalError, type ErrorDetail } from '@marshal/contracts';
import { MAX_OPTIONS_DEPTH, pointerTooDeep } from '@marshal/spec';

/*
 * The request bodies of /v1/services are declared with the routes the CLI calls (`@marshal/contracts` http). Every body
 * is checked against its schema before anything is sent on: unknown fields are named, and limits keep a request inside
 * what one NATS message can carry.
 */

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<TSchema, ValidateFunction>();

/** One ajv error as `{path, message}`, naming an unknown or missing field. */
export function detailOf(e: ErrorObject): ErrorDetail {
  const path = e.instancePath || '/';
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      return { path: `${e.instancePath}/${field}`, message: `unknown field '${field}'` };
    }
    case 'required': {
      const field = (e.params as { missingProperty: string }).missingProperty;
      return { path: `${e.instancePath}/${field}`, message: 'is required' };
    }
    case 'maxProperties':
      return { path, message: `may hold at most ${(e.params as { limit: number }).limit} entries` };
    case 'propertyNames':
      return { path, message: `has a name that is empty or longer than ${MAX_FILE_PATH_LENGTH} characters` };
    default:
      return { path, message: e.message ?? `fails '${e.keyword}'` };
  }
}

/** The body as its schema's type, or INVALID_ARGUMENT listing every problem with its JSON pointer. */
export function checkBody<S extends TSchema>(schema: S, body: unknown, what: string): Static<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MarshalError('INVALID_ARGUMENT', `the body of ${what} must be a JSON object`, [{ path: '/', message: 'must be a JSON object' }]);
  }
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  const details: ErrorDetail[] = validate(body) ? [] : (validate.errors ?? []).filter((e) => e.keyword !== 'if').map(detailOf);
  const options = (body as Record<string, unknown>)['options'];
  const tooDeep = pointerTooDeep(options);
  if (tooDeep !== undefined) details.push({ path: `/options${tooDeep}`.slice(0, 160), message: `options may nest at most ${MAX_OPTIONS_DEPTH} levels` });
  if (details.length > 0) {
    throw new MarshalError('INVALID_ARGUMENT', `invalid body of ${what}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
  }
  return body as Static<S>;
}
