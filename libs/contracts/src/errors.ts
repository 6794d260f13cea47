/**
 * Domain error codes. Domain code and services answer with these; only the gateway maps them to HTTP
 * statuses (STYLE.md "Errors are domain values").
 */
export const ERROR_CODES = [
  /** Bad input: a malformed body, option, parameter or argument. */
  'INVALID_ARGUMENT',
  /** The named plan, phase, step, pod, service or configuration does not exist. */
  'NOT_FOUND',
  /** The command was already applied or its target is already in the requested state (HTTP 208). */
  'ALREADY_REPORTED',
  /** A configuration failed validation. */
  'VALIDATION_FAILED',
  /** A concurrent writer won; retry. */
  'CONFLICT',
  /** A dependency (NATS, PostgreSQL, a service) is not reachable right now. */
  'UNAVAILABLE',
  /** The request took longer than its deadline. */
  'TIMEOUT',
  /** A bound was reached (too many concurrent requests of one client): retry later (HTTP 429). */
  'RESOURCE_EXHAUSTED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  path: string;
  message: string;
}

/** A domain error: a code, a message for humans and, for validation, every problem found. */
export class MarshalError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'MarshalError';
  }

  toJSON(): { code: ErrorCode; message: string; details: ErrorDetail[] } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isMarshalError(e: unknown): e is MarshalError {
  return e instanceof MarshalError;
}
