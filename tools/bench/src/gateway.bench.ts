import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { eventually, freePort } from '@marshal/testing';
import { root, startBenchCluster } from './cluster';
import { loadClient, paced, saturate } from './http-load';
import { round } from './stats';

/**
 * `npm run bench -- gateway`: GET /v1/plans/deploy of a 1,000-step plan through the whole gateway (auth, service
 * resolution, read models) against a bare Fastify hello route, both as their own processes, in the same run:
 * requests/s at saturation (10 connections, 10 s each, wrk when installed) and p99 latency at a fixed 1,000 requests/s.
 * Targets (docs/benchmarks.md): at least 40% of bare Fastify's requests/s, p99 under 20 ms at 1,000 requests/s.
 * The headline is measured as most clients ask (`Accept-Encoding: gzip`) when the load client can measure it; also
 * measured: the same without compression, and, to tell the cost of the gateway from the cost of the body, bare
 * Fastify answering the same plan bytes.
 */
/** Bytes of the gzipped answer (checked to really be gzip). */
async function compressedSize(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      if (res.headers['content-encoding'] !== 'gzip') reject(new Error(`the gateway did not gzip the plan: ${JSON.stringify(res.headers)}`));
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve(n));
    })
      .on('error', reject)
      .end();
  });
}

async function main(): Promise<void> {
  const cluster = await startBenchCluster([]);
  const fastifyPort = await freePort();
  let bare: ChildProcess | undefined;
  try {
    const { ensemble } = cluster;
    const token = ensemble.tokens.viewer;
    const headers = { authorization: `Bearer ${token}` };
    // The hello-world package with 1,000 instances: one phase of 1,000 steps (no agents, so they stay pending).
    const dir = join(root, 'examples', 'hello-world');
    const files = Object.fromEntries(readdirSync(dir).filter((f) => !f.endsWith('.md')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
    const res = await fetch(`${ensemble.gatewayUrl}/v1/services`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${ensemble.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', package: { name: 'hello-world', version: '1.0.0', files }, options: { hello: { count: 1000 } } }),
    });
    if (res.status !== 201) throw new Error(`install failed: ${res.status} ${await res.text()}`);
    const planUrl = `${ensemble.gatewayUrl}/v1/service/bench/plans/deploy`;
    await eventually(async () => {
      const plan = (await (await fetch(planUrl, { headers })).json()) as { phases?: { steps: unknown[] }[] };
      if ((plan.phases?.[0]?.steps.length ?? 0) !== 1000) throw new Error('plan not projected yet');
    }, { timeoutMs: 120_000, what: '1,000-step plan' });
    const body = Buffer.from(await (await fetch(planUrl, { headers })).arrayBuffer());
    const bytes = body.length;
    const planFile = join(mkdtempSync(join(tmpdir(), 'marshal-bench-')), 'plan.json');
    writeFileSync(planFile, body);
    bare = spawn(process.execPath, [join(__dirname, 'bare-fastify.js'), String(fastifyPort), planFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    await eventually(async () => {
      if ((await fetch(`http://127.0.0.1:${fastifyPort}/hello`)).status !== 200) throw new Error('bare fastify not up');
    });

    // What most HTTP clients send by default (Python requests, Go's net/http, browsers; curl with --compressed).
    const gzipHeaders = { ...headers, 'accept-encoding': 'gzip, deflate' };
    const gzipBytes = await compressedSize(planUrl, gzipHeaders);
    const client = loadClient();
    const gzipMeasured = client === 'wrk';
    const headline = gzipMeasured ? gzipHeaders : headers;
    await saturate(client, planUrl, headline, 3); // warm-up
    const marshal = await saturate(client, planUrl, headline);
    const identity = gzipMeasured ? await saturate(client, planUrl, headers) : marshal;
    const fastify = await saturate(client, `http://127.0.0.1:${fastifyPort}/hello`, {});
    const samePlan = await saturate(client, `http://127.0.0.1:${fastifyPort}/plan`, {});
    const atRate = await paced(planUrl, headline, 1000);
    const result = {
      bench: 'gateway',
      client,
      marshal_rps: round(marshal.rps, 0),
      fastify_rps: round(fastify.rps, 0),
      ratio: round(marshal.rps / fastify.rps, 3),
      p99_ms_at_1000rps: round(atRate.p99Ms, 2),
      encoding: gzipMeasured ? 'gzip' : 'identity',
      marshal_identity_rps: round(identity.rps, 0),
      identity_ratio: round(identity.rps / fastify.rps, 3),
    };
    const errors = marshal.errors + identity.errors + atRate.errors;
    process.stdout.write(
      `load client: ${client}${gzipMeasured ? '' : ' (wrk is not installed: gzipped answers are not measured, see http-load.ts)'}\n` +
        `GET /v1/plans/deploy (1,000 steps, ${bytes} bytes, ${gzipBytes} gzipped): ` +
        (gzipMeasured ? `${result.marshal_rps} req/s gzipped (p99 ${round(marshal.p99Ms, 2)} ms), ` : '') +
        `${result.marshal_identity_rps} req/s uncompressed (p99 ${round(identity.p99Ms, 2)} ms)\n` +
        `bare Fastify hello: ${result.fastify_rps} req/s; ratio ${result.ratio}${gzipMeasured ? ` (uncompressed ${result.identity_ratio})` : ''}\n` +
        `bare Fastify answering the same ${bytes} bytes uncompressed: ${round(samePlan.rps, 0)} req/s; Marshal uncompressed reaches ${round(identity.rps / samePlan.rps, 3)} of it\n` +
        `at 1,000 req/s offered (autocannon, ${result.encoding}): ${round(atRate.rps, 0)} req/s served, p99 ${result.p99_ms_at_1000rps} ms; errors ${errors}\n`,
    );
    if (errors > 0) throw new Error(`${errors} requests failed`);
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    bare?.kill();
    await cluster.stop();
  }
}

void main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
