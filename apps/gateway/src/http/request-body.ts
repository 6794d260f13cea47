import { Injectable, UseInterceptors, createParamDecorator, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import Ajv, { type ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { MarshalError, type ErrorDetail } from '@marshal/contracts';
import { detailOf } from '../services/request-bodies';

/**
 * Request bodies are checked against a schema before anything is sent on (docs/api.md): every problem is named with its
 * JSON pointer, unknown fields included, and the schemas carry the size limits. Routes that take no body refuse one.
 */

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<TSchema, ValidateFunction>();

function validator(schema: TSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

/** No body at all: what a client sends when it sends nothing (fastify leaves the body undefined). */
export function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === null || body === '';
}

function invalid(what: string, details: ErrorDetail[]): MarshalError {
  return new MarshalError('INVALID_ARGUMENT', `invalid body of ${what}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
}

/** The body as its schema's type, or INVALID_ARGUMENT naming every problem (`/field unknown field 'field'`, …). */
export function validateBody<S extends TSchema>(schema: S, body: unknown, what: string): Static<S> {
  const v = validator(schema);
  if (!v(body)) throw invalid(what, (v.errors ?? []).map(detailOf));
  return body as Static<S>;
}

/**
 * Refuses a body on a route that takes none. `{}` passes (some clients always send one); any field of an object is
 * named as unknown; anything else, a multipart form included, is refused as a body the route does not take.
 */
export function assertNoBody(req: FastifyRequest, what: string): void {
  const body = req.body;
  const multipart = (req as FastifyRequest & { isMultipart?: () => boolean }).isMultipart?.() === true;
  if (!multipart && isEmptyBody(body)) return;
  if (!multipart && typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const fields = Object.keys(body);
    if (fields.length === 0) return;
    throw invalid(
      what,
      fields.map((f) => ({ path: `/${f}`, message: `unknown field '${f}': ${what} takes no body` })),
    );
  }
  throw invalid(what, [{ path: '/', message: `${what} takes no body` }]);
}

function describe(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? req.url}`;
}

@Injectable()
class NoBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    assertNoBody(req, describe(req));
    return next.handle();
  }
}

/** A route that takes no body: a body with fields is refused with 400, naming them. Runs after the auth guard. */
export const NoBody = (): MethodDecorator & ClassDecorator => UseInterceptors(NoBodyInterceptor);

/**
 * The request body checked against `schema` (after the auth guard, so 401 and 403 come first). With `optional`, no
 * body at all gives `undefined`. A multipart form is never a JSON body.
 */
export const JsonBody = createParamDecorator((opts: { schema: TSchema; optional?: boolean }, context: ExecutionContext): unknown => {
  const req = context.switchToHttp().getRequest<FastifyRequest>();
  const what = describe(req);
  if ((req as FastifyRequest & { isMultipart?: () => boolean }).isMultipart?.() === true) throw invalid(what, [{ path: '/', message: 'must be JSON, not a multipart form' }]);
  if (opts.optional && isEmptyBody(req.body)) return undefined;
  if (isEmptyBody(req.body)) throw invalid(what, [{ path: '/', message: 'a JSON body is required' }]);
  return validateBody(opts.schema, req.body, what);
});
