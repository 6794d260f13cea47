import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MarshalError, type ErrorDetail } from '@marshal/contracts';
import { MAX_OPTIONS_DEPTH, pointerTooDeep } from '@marshal/spec';

/**
 * Schemas of the request bodies of /v1/services. Every body is checked against its schema before anything is sent
 * on: unknown fields are named, and limits keep a request inside what one NATS message can carry.
 */

/** Files a package may hold, and how long a path inside it may be. */
export const MAX_PACKAGE_FILES = 256;
export const MAX_FILE_PATH_LENGTH = 256;

const PackageBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** Every file of the package by path relative to its root: svc.yml, config.json, templates… */
    files: Type.Record(Type.String({ minLength: 1, maxLength: MAX_FILE_PATH_LENGTH }), Type.String(), { maxProperties: MAX_PACKAGE_FILES }),
  },
  { additionalProperties: false },
);

const Options = Type.Record(Type.String(), Type.Unknown());

/** `POST /v1/services`: install. */
export const InstallBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    package: PackageBody,
    options: Type.Optional(Options),
  },
  { additionalProperties: false },
);
export type InstallBody = Static<typeof InstallBody>;

/** `PUT /v1/services/{name}`: update (Cosmos `update`, reference §7.6). */
export const UpdateBody = Type.Object(
  {
    /** Merged over the stored options, or replacing them with `replace`. */
    options: Type.Optional(Options),
    /** A new package (version); the stored one when absent. */
    package: Type.Optional(PackageBody),
    replace: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateBody = Static<typeof UpdateBody>;

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
