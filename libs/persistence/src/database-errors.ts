import { MarshalError } from '@marshal/contracts';

/** PostgreSQL's SQLSTATE for a statement cancelled by `statement_timeout` (or by an operator). */
const QUERY_CANCELED = '57014';
/** SQLSTATE class 08: the connection failed; 53: out of resources (too many connections, out of memory, disk). */
const UNAVAILABLE_CLASSES = ['08', '53', '57P'];

function sqlState(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const direct = (e as { code?: unknown }).code;
  const driver = (e as { driverError?: { code?: unknown } }).driverError?.code;
  const code = typeof driver === 'string' ? driver : direct;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * A database failure that is not a bug but a bound or an outage, as the domain error a caller can act on: a statement
 * over its timeout, a pool with no free connection in time, a connection refused or lost. Anything else: undefined.
 */
export function databaseUnavailable(e: unknown): MarshalError | undefined {
  if (!(e instanceof Error)) return undefined;
  const state = sqlState(e);
  if (state === QUERY_CANCELED) {
    return new MarshalError('UNAVAILABLE', 'the database query took longer than the statement timeout and was cancelled; retry, or narrow the request');
  }
  if (state !== undefined && UNAVAILABLE_CLASSES.some((c) => state.startsWith(c))) {
    return new MarshalError('UNAVAILABLE', `the database is not available right now (SQLSTATE ${state}); retry`);
  }
  if (/timeout exceeded when trying to connect|Connection terminated|ECONNREFUSED|ECONNRESET/.test(e.message)) {
    return new MarshalError('UNAVAILABLE', 'no database connection was free or reachable in time; retry');
  }
  return undefined;
}
