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
});
