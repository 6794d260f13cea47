import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import multipart from '@fastify/multipart';
import { MAX_STATE_FILE_BYTES } from '@marshal/contracts';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { connectDataSource, migrate } from '@marshal/persistence';
import { NestLogger, ServiceContextModule, createServiceContext, exposeHealth, handleDescribeConfig, loadConfig } from '@marshal/runtime';
import { GatewayConfig } from './config';
import { TokenStore, loadTokens } from './auth/tokens';
import { SessionStore } from './auth/sessions';
import { GatewayModule } from './gateway.module';
import { GatewayMetrics } from './metrics/metrics';
import { annotateRoles, describeBodies } from './http/openapi';
import { checkGatewaySecurity, readTlsFiles } from './startup-checks';

async function main(): Promise<void> {
  handleDescribeConfig(GatewayConfig);
  // Refused before anything connects: an open door is not worth a running gateway.
  const early = loadConfig(GatewayConfig);
  checkGatewaySecurity(early);
  const tls = readTlsFiles(early);
  const ctx = await createServiceContext(GatewayConfig);
  const tokens = new TokenStore(loadTokens(ctx.config.TOKENS_FILE, ctx.config.MARSHAL_TOKENS));
  if (!ctx.config.AUTH_DISABLED && tokens.size === 0) {
    throw new Error('gateway: no tokens configured. Set TOKENS_FILE or MARSHAL_TOKENS, or AUTH_DISABLED=true to serve without authentication.');
  }
  if (ctx.config.AUTH_DISABLED) ctx.log.warn({}, 'AUTH_DISABLED: every request is allowed');
  const ds = await connectDataSource(
    { url: ctx.config.DATABASE_URL, applicationName: 'gateway', poolSize: ctx.config.DB_POOL_SIZE, statementTimeoutMs: ctx.config.DB_STATEMENT_TIMEOUT_MS },
    (e) =>
    ctx.log.warn({ err: e }, 'PostgreSQL not reachable yet; retrying'),
  );
  ctx.shutdown.add('postgres', () => ds.destroy());
  await migrate(ds);

  @Module({
    imports: [ServiceContextModule.forRoot(ctx), GatewayModule.forRoot(ds, tokens, ctx.config, new SessionStore(ctx.config.SESSION_TTL_S * 1000))],
  })
  class RootModule {}

  // Every request gets a fresh id, sent back as X-Request-Id and logged with any error it meets.
  const adapter = new FastifyAdapter({ bodyLimit: ctx.config.MAX_BODY_BYTES, genReqId: () => randomUUID(), requestIdHeader: false, ...(tls ? { https: tls } : {}) });
  adapter.getInstance().addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    done();
  });
  // The original pretty-prints JSON with two spaces (reference §6).
  adapter.getInstance().setReplySerializer((payload) => JSON.stringify(payload, null, 2));
  const app = await NestFactory.create<NestFastifyApplication>(RootModule, adapter, { logger: new NestLogger(ctx.log) });
  // Uploads of the state API (reference §6.6): one field `file` of at most 1024 bytes; the form is read by the route.
  await app.register(multipart, { limits: { fileSize: MAX_STATE_FILE_BYTES, files: 1, fields: 0, parts: 1 } });
  // The OpenAPI document is generated from the controllers, so every route anyone adds is in it; the bodies of the
  // routes the CLI calls come from their one declaration in contracts.
  const document = describeBodies(annotateRoles(SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Marshal API')
      .setDescription(
        'The DC/OS SDK scheduler API (plans, pods, configurations, endpoints, state, health, debug) for each service under ' +
          '/v1/service/<service>/… (also /v1/multi/<service>/…, and /v1/… for the default service), and Marshal\'s own ' +
          '(/v1/services, /v1/agents, /v1/events, /v1/stream). Bearer tokens: viewer reads; operator runs plan and pod ' +
          'commands; admin installs, updates, uninstalls and rebuilds.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build(),
  )));
  SwaggerModule.setup('v1/docs', app, document, { jsonDocumentUrl: 'v1/openapi.json', yamlDocumentUrl: 'v1/openapi.yaml' });
  const metrics = app.get(GatewayMetrics);
  adapter.getInstance().addHook('onResponse', (req, reply, done) => {
    metrics.requestDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  await app.listen(ctx.config.PORT, ctx.config.HOST);
  ctx.shutdown.add('http', () => app.close());
  await exposeHealth(ctx, () => ({ port: ctx.config.PORT }));
  ctx.log.info({ url: `${tls ? 'https' : 'http'}://${ctx.config.HOST}:${ctx.config.PORT}` }, 'gateway listening');
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
