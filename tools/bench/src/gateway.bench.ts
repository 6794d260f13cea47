import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { eventually, freePort } from '@marshal/testing';
import { root, startBenchCluster } from './cluster';
import { round } from './stats';

/**
 * `npm run bench -- gateway`: GET /v1/plans/deploy of a 1,000-step plan through the whole gateway (auth, service
 * resolution, read models) against a bare Fastify hello route, both as their own processes, in the same run:
 * requests/s at saturation (10 connections, 10 s each) and p99 latency at a fixed 1,000 requests/s.
 * Targets (issue 7): at least 40% of bare Fastify's requests/s, p99 under 20 ms at 1,000 requests/s.
 * Also measured, to tell the cost of the gateway from the cost of the body: bare Fastify answering the same plan bytes.
 */
async function load(url: string, headers: Record<string, string>, opts: { overallRate?: number; duration?: number } = {}): Promise<autocannon.Result> {
  return autocannon({ url, headers, connections: 10, duration: opts.duration ?? 10, ...(opts.overallRate ? { overallRate: opts.overallRate } : {}) });
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

    await load(planUrl, headers, { duration: 3 }); // warm-up
    const marshal = await load(planUrl, headers);
    const fastify = await load(`http://127.0.0.1:${fastifyPort}/hello`, {});
    const samePlan = await load(`http://127.0.0.1:${fastifyPort}/plan`, {});
    const paced = await load(planUrl, headers, { overallRate: 1000 });
    const result = {
      bench: 'gateway',
      marshal_rps: round(marshal.requests.average, 0),
      fastify_rps: round(fastify.requests.average, 0),
      ratio: round(marshal.requests.average / fastify.requests.average, 3),
      p99_ms_at_1000rps: round(paced.latency.p99, 2),
      marshal_p99_ms_saturated: round(marshal.latency.p99, 2),
      paced_rps: round(paced.requests.average, 0),
      plan_bytes: bytes,
      errors: marshal.errors + marshal.non2xx + paced.errors + paced.non2xx,
      fastify_same_bytes_rps: round(samePlan.requests.average, 0),
      ratio_same_bytes: round(marshal.requests.average / samePlan.requests.average, 3),
    };
    process.stdout.write(
      `GET /v1/plans/deploy (1,000 steps, ${bytes} bytes): ${result.marshal_rps} req/s (p99 ${result.marshal_p99_ms_saturated} ms saturated); ` +
        `bare Fastify hello: ${result.fastify_rps} req/s; ratio ${result.ratio}; at 1,000 req/s offered: ${result.paced_rps} req/s served, p99 ${result.p99_ms_at_1000rps} ms; errors ${result.errors}\n` +
        `bare Fastify answering the same ${bytes} bytes: ${result.fastify_same_bytes_rps} req/s; Marshal reaches ${result.ratio_same_bytes} of it\n`,
    );
    process.stdout.write(
      JSON.stringify({ bench: 'gateway', marshal_rps: result.marshal_rps, fastify_rps: result.fastify_rps, ratio: result.ratio, p99_ms_at_1000rps: result.p99_ms_at_1000rps }) + '\n',
    );
  } finally {
    bare?.kill();
    await cluster.stop();
  }
}

void main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
