import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isMarshalError, type ErrorCode } from '@marshal/contracts';
import { databaseUnavailable } from '@marshal/persistence';
import { SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';

/** The only place domain error codes become HTTP statuses (STYLE.md "Errors are domain values"). */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_ARGUMENT':
    case 'VALIDATION_FAILED':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'ALREADY_REPORTED':
      return 208;
    case 'UNAVAILABLE':
      return 503;
    case 'TIMEOUT':
      return 504;
    case 'RESOURCE_EXHAUSTED':
      return 429;
    case 'INTERNAL':
      return 500;
    default:
      return assertUnreachable(code);
  }
}

function assertUnreachable(x: never): never {
  throw new Error(`unmapped error code ${String(x)}`);
}

const plain = new WeakSet<object>();

/**
 * Marks a domain error to be answered as plain text whatever its code: the original's plan and pod commands answer
 * 400s that way (`Couldn't parse parameters: …`, `Missing phase`; reference §6.2). Returns the error for `throw`.
 */
export function asPlainText<E>(e: E): E {
  if (isMarshalError(e)) plain.add(e);
  return e;
}

/**
 * Domain errors answer with their status. NOT_FOUND and ALREADY_REPORTED keep the original's plain-text bodies
 * (`Plan x not found`, reference §6); the rest are JSON `{ code, message, details }`.
 */
/**
 * The answer to an error nothing expected: a bug. Logged with the request id, answered as the JSON error body with that
 * id so a user can quote it, and never with the error's own text (it may hold internals).
 */
export function internalErrorBody(requestId: string): { code: 'INTERNAL'; message: string; details: { path: string; message: string }[] } {
  const message = `internal error; quote request id ${requestId} to the operator (the gateway logged it)`;
  return { code: 'INTERNAL', message, details: [{ path: '/', message }] };
}

/** The 4xx status an error of a library carries (`statusCode`, as fastify's and its plugins' errors do), if any. */
function clientErrorStatusOf(e: unknown): number | undefined {
  if (!(e instanceof Error)) return undefined;
  const status = (e as Error & { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

@Catch()
@Injectable()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    // A statement over its timeout, or no free connection in time: a bound of the database, answered 503.
    const unavailable = databaseUnavailable(thrown);
    if (unavailable) this.ctx.log.warn({ err: thrown, requestId: req.id, url: req.url }, unavailable.message);
    const exception = unavailable ?? thrown;
    if (isMarshalError(exception) && exception.code === 'INTERNAL') {
      this.unexpected(exception, req, reply);
      return;
    }
    if (isMarshalError(exception)) {
      const status = httpStatusOf(exception.code);
      if (exception.code === 'NOT_FOUND' || exception.code === 'ALREADY_REPORTED' || plain.has(exception)) {
        void reply.status(status).type('text/plain; charset=utf-8').send(exception.message);
        return;
      }
      // A bound of concurrent requests frees as soon as one of them finishes: say when to try again (RFC 9110 §10.2.3).
      if (status === 429) void reply.header('retry-after', '1');
      void reply.status(status).type('application/json').send(JSON.stringify(exception.toJSON(), null, 2));
      return;
    }
    if (exception instanceof HttpException) {
      // Errors raised by the HTTP layer itself (a body that is not JSON, too large, an unsupported media type): the
      // same shape as a domain error, so clients read one format.
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? exception.message);
      const text = Array.isArray(message) ? message.join('; ') : String(message);
      if (status >= 500) {
        this.unexpected(exception, req, reply, status);
        return;
      }
      const code = status === 404 ? 'NOT_FOUND' : status === 429 ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT';
      const body = { code, message: text, details: [{ path: '/', message: text }] };
      void reply.status(status).type('application/json').send(JSON.stringify(body, null, 2));
      return;
    }
    const status = clientErrorStatusOf(exception);
    if (status !== undefined) {
      // A library's own 4xx (a multipart form over its limits, a body parser): the same shape as a domain error.
      const text = (exception as Error).message;
      void reply.status(status).type('application/json').send(JSON.stringify({ code: status === 429 ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT', message: text, details: [{ path: '/', message: text }] }, null, 2));
      return;
    }
    this.unexpected(exception, req, reply);
  }

  private unexpected(exception: unknown, req: FastifyRequest, reply: FastifyReply, status = 500): void {
    this.ctx.log.error({ err: exception, requestId: req.id, method: req.method, url: req.url }, 'unexpected error answering a request');
    if (reply.sent || reply.raw.headersSent) return;
    void reply.status(status).type('application/json').send(JSON.stringify(internalErrorBody(String(req.id)), null, 2));
  }
}
