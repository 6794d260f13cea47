import { Type } from '@sinclair/typebox';
import { defineConfig } from '@marshal/runtime';

export const GatewayConfig = defineConfig('gateway', {
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'HTTP port of the API' }),
  HOST: Type.String({ default: '0.0.0.0', description: 'Address the API listens on' }),
  DATABASE_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/marshal', description: 'PostgreSQL of the read models' }),
  DEFAULT_SERVICE: Type.String({ default: '', description: 'Service the plain /v1/… paths act on (default: the only installed one)' }),
  REQUEST_TIMEOUT_MS: Type.Integer({ default: 15_000, minimum: 100, description: 'Deadline of a command sent to a service' }),
  TOKENS_FILE: Type.String({ default: '', description: 'JSON file of bearer tokens: [{"token","subject","role"}] with role viewer, operator or admin' }),
  MARSHAL_TOKENS: Type.String({ default: '', description: "Tokens as 'role:subject:token,…' (in addition to TOKENS_FILE)" }),
  SESSION_TTL_S: Type.Integer({ default: 43_200, minimum: 60, description: 'How long a web console login (session cookie) lasts, in seconds' }),
  AUTH_DISABLED: Type.Boolean({
    default: false,
    description: 'Serve without authentication (everything allowed, actor operator:anonymous). Explicit only, and refused unless HOST is a loopback address.',
  }),
  TLS_CERT: Type.String({ default: '', description: 'PEM certificate (chain) file: with TLS_KEY the API is served over HTTPS only' }),
  TLS_KEY: Type.String({ default: '', description: 'PEM private key file of TLS_CERT' }),
  FINISHED_SERVICE_RETENTION_S: Type.Integer({
    default: 3600,
    minimum: 0,
    description: "How long an uninstalled service's final plans stay readable (GET /v1/plans…, 0 = not at all); a reinstall of the name replaces them",
  }),
  READ_WAIT_MS: Type.Integer({ default: 5_000, minimum: 0, description: 'Longest a read waits for the read models to reach a given sequence' }),
  MAX_BODY_BYTES: Type.Integer({ default: 4 * 1024 * 1024, minimum: 1024, description: 'Largest request body accepted (bytes); above it 413' }),
  MAX_STREAMS_PER_TOKEN: Type.Integer({ default: 8, minimum: 1, description: 'Live streams (GET /v1/stream) one token may hold open at once; above it 429' }),
  MAX_LONG_POLLS_PER_TOKEN: Type.Integer({
    default: 16,
    minimum: 1,
    description: 'Waiting reads (GET /v1/events?wait=, reads with ?seq= not yet reached) one token may hold at once; above it 429',
  }),
  MAX_TIME_TRAVEL_READS_PER_TOKEN: Type.Integer({
    default: 4,
    minimum: 1,
    description: 'Time-travel reads (GET /v1/plans/<plan>?at=) one token may run at once; above it 429',
  }),
  EVENTS_MAX_PAGE: Type.Integer({ default: 1000, minimum: 1, maximum: 100_000, description: 'Most events one page of GET /v1/events answers (limit, tail); more is refused with 400' }),
  EVENTS_MAX_CHAIN: Type.Integer({ default: 5000, minimum: 1, maximum: 1_000_000, description: 'Most events one causal chain (GET /v1/events/<id>/chain) answers; a longer chain is marked truncated' }),
  MAX_TIME_TRAVEL_READS: Type.Integer({
    default: 2,
    minimum: 1,
    description: 'Time-travel reads running at once over all clients (each folds history in memory); the others wait their turn',
  }),
  DB_POOL_SIZE: Type.Integer({ default: 10, minimum: 1, maximum: 1000, description: 'PostgreSQL connections of the gateway' }),
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({
    default: 10_000,
    minimum: 100,
    description: 'Longest one SQL statement of the gateway may run before PostgreSQL cancels it (the request then answers 503)',
  }),
});
