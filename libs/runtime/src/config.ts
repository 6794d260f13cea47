import Ajv from 'ajv';
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { DEFAULT_NAMESPACE } from '@marshal/contracts';

/** Settings every service has. Each app extends this with its own (see `defineConfig`). */
export const CommonConfig = {
  NATS_URL: Type.String({
    default: 'nats://127.0.0.1:4222',
    description: 'NATS server(s), comma-separated; a user:password@ in it is used to authenticate (then set no NATS_USER or NATS_PASSWORD)',
  }),
  NATS_NKEY_SEED_FILE: Type.String({ default: '', description: 'File holding this identity\'s NATS nkey seed (what `marshal cluster credentials` writes)' }),
  NATS_NKEY_SEED: Type.String({ default: '', description: 'NATS nkey seed itself (prefer NATS_NKEY_SEED_FILE: the environment is easier to read)' }),
  NATS_CREDS: Type.String({ default: '', description: 'NATS creds file (decentralised JWT accounts)' }),
  NATS_USER: Type.String({ default: '', description: 'NATS user name (with NATS_PASSWORD)' }),
  NATS_PASSWORD: Type.String({ default: '', description: 'NATS password (with NATS_USER)' }),
  NATS_TLS_CA: Type.String({ default: '', description: 'PEM file of the CA that signed the NATS server certificate (turns TLS on)' }),
  NATS_TLS_CERT: Type.String({ default: '', description: 'PEM client certificate for NATS (mutual TLS, with NATS_TLS_KEY)' }),
  NATS_TLS_KEY: Type.String({ default: '', description: 'PEM key of NATS_TLS_CERT' }),
  MARSHAL_NAMESPACE: Type.String({
    default: DEFAULT_NAMESPACE,
    pattern: '^[a-z][a-z0-9-]{0,40}$',
    description: 'Subject and stream namespace, so several ensembles can share one NATS',
  }),
  LOG_LEVEL: Type.Union(
    ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level' },
  ),
  HEALTH_PORT: Type.Integer({ default: 0, minimum: 0, maximum: 65535, description: 'HTTP port of GET /healthz (0 = off)' }),
  INSTANCE_ID: Type.String({ default: '', description: 'Name of this instance in logs and health (default: host-pid)' }),
  EVENT_MAX_ATTEMPTS: Type.Integer({
    default: 5,
    minimum: 1,
    maximum: 1_000,
    description: 'Deterministic failures of an event handler before the event is parked and skipped (transient failures retry without limit)',
  }),
  EVENT_RETRY_DELAY_MS: Type.Integer({
    default: 200,
    minimum: 1,
    maximum: 60_000,
    description: 'Pause before an event handler is retried; doubled per attempt up to 10 s',
  }),
};

/** A service's settings: its name and the schema of its environment; `C` is the typed result of loading it. */
export interface ConfigDefinition<C> {
  service: string;
  schema: TObject;
  /** Type marker only. */
  readonly __config?: C;
}

export function defineConfig<P extends TProperties>(service: string, own: P): ConfigDefinition<Static<TObject<typeof CommonConfig & P>>> {
  const schema = Type.Object({ ...CommonConfig, ...own }, { additionalProperties: true });
  return { service, schema: schema as unknown as TObject };
}

export type ConfigOf<D> = D extends ConfigDefinition<infer C> ? C : never;

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the service's settings from the environment once, at start: coerces types, fills defaults and fails fast with
 * every bad variable named (STYLE.md "Typed, fail-fast configuration").
 */
export function loadConfig<C>(def: ConfigDefinition<C>, env: NodeJS.ProcessEnv = process.env): C {
  const props = def.schema.properties as Record<string, TSchema>;
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(props)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
  const validate = ajv.compile(def.schema);
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((e) => {
      const key = e.instancePath.replace(/^\//, '') || (e.params as { missingProperty?: string }).missingProperty || '?';
      return `${key}=${JSON.stringify(env[key] ?? '')}: ${e.message}`;
    });
    throw new ConfigError(def.service, problems);
  }
  return input as C;
}

/** Each variable with its default and description: what `--describe-config` prints and the README tabulates. */
export function describeConfig(def: ConfigDefinition<unknown>): { name: string; default: unknown; description: string }[] {
  return Object.entries(def.schema.properties as Record<string, TSchema & { default?: unknown; description?: string }>).map(([name, s]) => ({
    name,
    default: s.default ?? null,
    description: s.description ?? '',
  }));
}
