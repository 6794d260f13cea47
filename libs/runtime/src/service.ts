import { hostname } from 'node:os';
import { Global, Module, type DynamicModule, type INestMicroservice, type Type as NestType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { register } from 'prom-client';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjectsFor, type Subjects } from '@marshal/contracts';
import {
  CommandBus,
  EventStore,
  JetStreamTransport,
  NatsSettingsError,
  PassThroughRpcFilter,
  connectNats,
  resolveNatsSettings,
  type EventSource,
  type NatsSettings,
  type PoisonListener,
} from '@marshal/messaging';
import { ConfigError, describeConfig, loadConfig, type ConfigDefinition } from './config';
import { startHealthServer, type HealthReport, type MetricsSource } from './health';
import { createLogger, type Logger } from './logging';
import { NestLogger } from './nest-logger';
import { Shutdown } from './shutdown';

/** Injection tokens for what every service gets. */
export const APP_CONFIG = 'APP_CONFIG';
export const SERVICE_CONTEXT = 'SERVICE_CONTEXT';

export interface ServiceContext<C = Record<string, unknown>> {
  service: string;
  instance: string;
  config: C;
  log: Logger;
  nc: NatsConnection;
  subjects: Subjects;
  store: EventStore;
  bus: CommandBus;
  shutdown: Shutdown;
}

export interface StartServiceOptions<C> {
  definition: ConfigDefinition<C>;
  /** The app's Nest module; it can inject SERVICE_CONTEXT and APP_CONFIG. */
  module: NestType<unknown>;
  /** Where @EventPattern handlers get events from. */
  sources?: (ctx: ServiceContext<C>) => Promise<EventSource[]> | EventSource[];
  /** Queue group of the command handlers (default: the service name). */
  queue?: string;
  /** Extra health details; the NATS connection state is always included. */
  health?: (app: INestMicroservice) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Prometheus metrics served on GET /metrics of HEALTH_PORT, with prom-client's global registry (consumer metrics). */
  metrics?: (app: INestMicroservice) => MetricsSource;
  /** Told what the event sources park and apply after all (a fold marks the aggregate suspect), from the first replay on. */
  poison?: (app: INestMicroservice) => PoisonListener;
}

/** Exits 0 after printing the configuration variables when started with `--describe-config`. */
export function handleDescribeConfig(definition: ConfigDefinition<unknown>, argv: string[] = process.argv): void {
  if (argv.includes('--describe-config')) {
    process.stdout.write(JSON.stringify({ service: definition.service, variables: describeConfig(definition) }, null, 2) + '\n');
    process.exit(0);
  }
}

/** The NATS servers and credentials of the settings, or a ConfigError naming each variable at fault. */
export function natsSettingsOrFail(service: string, settings: NatsSettings): ReturnType<typeof resolveNatsSettings> {
  try {
    return resolveNatsSettings(settings);
  } catch (e) {
    if (e instanceof NatsSettingsError) throw new ConfigError(service, e.problems);
    throw e;
  }
}

/** Everything a service process needs before its own code runs: config, logs, NATS, the event store, shutdown. */
export async function createServiceContext<C>(definition: ConfigDefinition<C>): Promise<ServiceContext<C>> {
  handleDescribeConfig(definition);
  const config = loadConfig(definition);
  const common = config as unknown as NatsSettings & { MARSHAL_NAMESPACE: string; LOG_LEVEL: string; INSTANCE_ID: string };
  const nats = natsSettingsOrFail(definition.service, common);
  const instance = common.INSTANCE_ID || `${hostname()}-${process.pid}`;
  const log = createLogger(definition.service, instance, common.LOG_LEVEL);
  process.on('unhandledRejection', (e) => log.error({ err: e }, 'unhandled rejection'));
  const shutdown = new Shutdown(log);
  shutdown.listen();
  const subjects = subjectsFor(common.MARSHAL_NAMESPACE);
  const nc = await connectNats({ servers: nats.servers, auth: nats.auth, name: `${definition.service}/${instance}` }, log);
  shutdown.add('nats', () => nc.drain());
  const store = await EventStore.open(nc, subjects, { log });
  const bus = new CommandBus(nc, subjects, log);
  return { service: definition.service, instance, config, log, nc, subjects, store, bus, shutdown };
}

/** Answers `<ns>.sys.health` requests and serves GET /healthz when HEALTH_PORT is set. */
export async function exposeHealth(
  ctx: ServiceContext<unknown>,
  details: () => Promise<Record<string, unknown>> | Record<string, unknown>,
  metrics?: MetricsSource,
  parked: () => number = () => 0,
): Promise<void> {
  const report = async (): Promise<HealthReport> => {
    const nats = ctx.nc.isClosed() ? 'closed' : 'connected';
    const extra = await details();
    // Parked events leave the service working, but with an event it skipped: degraded until they are retried.
    const p = parked();
    const status = nats !== 'connected' ? 'down' : p > 0 ? 'degraded' : 'ok';
    return { status, details: { service: ctx.service, instance: ctx.instance, nats, parked: p, ...extra } };
  };
  const sub = ctx.nc.subscribe(ctx.subjects.health);
  void (async () => {
    for await (const m of sub) m.respond(JSON.stringify(await report()));
  })();
  const port = (ctx.config as { HEALTH_PORT: number }).HEALTH_PORT;
  if (port > 0) {
    // The process-wide counters (NATS permission violations, unhandled events) are served by every service, after
    // the service's own metrics when it has some.
    const all: MetricsSource = async () => {
      const own = metrics ? await metrics() : undefined;
      const shared = await register.metrics();
      return { contentType: own?.contentType ?? register.contentType, body: own ? `${own.body.trimEnd()}\n${shared}` : shared };
    };
    const server = await startHealthServer(port, report, all);
    ctx.shutdown.add('health', () => new Promise<void>((r) => server.close(() => r())));
    ctx.log.info({ port }, 'health on /healthz, metrics on /metrics');
  }
}

@Global()
@Module({})
export class ServiceContextModule {
  static forRoot(ctx: ServiceContext<unknown>): DynamicModule {
    return {
      module: ServiceContextModule,
      providers: [
        { provide: SERVICE_CONTEXT, useValue: ctx },
        { provide: APP_CONFIG, useValue: ctx.config },
      ],
      exports: [SERVICE_CONTEXT, APP_CONFIG],
    };
  }
}

/**
 * Starts a Nest microservice on the JetStream transport: event handlers fed by `sources`, command handlers on the
 * service's queue group, health, and a clean shutdown on SIGTERM.
 */
export async function startService<C>(
  opts: StartServiceOptions<C>,
  existing?: ServiceContext<C>,
): Promise<{ app: INestMicroservice; ctx: ServiceContext<C>; transport: JetStreamTransport }> {
  const ctx = existing ?? (await createServiceContext(opts.definition));
  @Module({ imports: [ServiceContextModule.forRoot(ctx), opts.module] })
  class RootModule {}
  const sources = opts.sources ? await opts.sources(ctx) : [];
  const common = ctx.config as unknown as { EVENT_MAX_ATTEMPTS: number; EVENT_RETRY_DELAY_MS: number };
  const transport = new JetStreamTransport({
    store: ctx.store,
    bus: ctx.bus,
    queue: opts.queue ?? ctx.service,
    sources,
    log: ctx.log,
    poison: { maxAttempts: common.EVENT_MAX_ATTEMPTS, retryDelayMs: common.EVENT_RETRY_DELAY_MS },
  });
  const app = await NestFactory.createMicroservice(RootModule, { strategy: transport, logger: new NestLogger(ctx.log) });
  app.useGlobalFilters(new PassThroughRpcFilter());
  if (opts.poison) transport.onPoison(opts.poison(app));
  await app.listen();
  ctx.shutdown.add('nest', () => app.close());
  // The transport's counters (parked, unhandled events) live in prom-client's global registry, which exposeHealth
  // serves after the service's own metrics.
  const metrics = opts.metrics?.(app);
  await exposeHealth(ctx, () => (opts.health ? opts.health(app) : {}), metrics, () => transport.parkedCount());
  ctx.log.info({ namespace: ctx.subjects.namespace }, `${ctx.service} started`);
  return { app, ctx, transport };
}
