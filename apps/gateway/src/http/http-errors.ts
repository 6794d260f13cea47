import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isMarshalError, type ErrorCode } from '@marshal/contracts';

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
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (isMarshalError(exception)) {
      const status = httpStatusOf(exception.code);
      if (exception.code === 'NOT_FOUND' || exception.code === 'ALREADY_REPORTED' || plain.has(exception)) {
        void reply.status(status).type('text/plain; charset=utf-8').send(exception.message);
        return;
      }
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
      const body = status >= 400 && status < 500 ? { code: status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT', message: text, details: [{ path: '/', message: text }] } : response;
      void reply.status(status).type('application/json').send(JSON.stringify(body, null, 2));
      return;
    }
    void reply.status(500).send();
  }
}
