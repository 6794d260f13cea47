import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderServiceYaml, validateConfiguration } from '@marshal/spec';
import { percentile, round } from './stats';

/**
 * `npm run bench -- spec`: render and validate cassandra-svc.yml (the largest real spec we have) with the cassandra
 * package's default environment, many times; median and p99 in milliseconds. Target (docs/benchmarks.md): median under 20 ms.
 */
const root = join(__dirname, '..', '..', '..');
const fixtures = join(root, 'libs', 'spec', 'fixtures');
const yaml = readFileSync(join(fixtures, 'dcos', 'frameworks', 'cassandra-svc.yml'), 'utf8');
const env: Record<string, string> = {};
for (const line of readFileSync(join(fixtures, 'cassandra.env'), 'utf8').split('\n')) {
  const t = line.trim();
  if (t && !t.startsWith('#')) env[t.slice(0, t.indexOf('='))] = t.slice(t.indexOf('=') + 1);
}
// Config templates the YAML references, with stand-in content (the package's real ones are not in the fixtures).
const files: Record<string, string> = {};
for (const m of yaml.replace(/\{\{CASSANDRA_HEAP_GC\}\}/g, env['CASSANDRA_HEAP_GC'] ?? '').matchAll(/template: *(\S+)/g)) files[m[1]] = `# template ${m[1]}\n`;

function once(): number {
  const t0 = process.hrtime.bigint();
  const r = renderServiceYaml(yaml, env, { files });
  if (!r.spec || r.errors.length) throw new Error(`cassandra-svc.yml did not render: ${JSON.stringify(r.errors)}`);
  const errors = validateConfiguration(null, r.spec, { deploymentCompleted: false });
  if (errors.length) throw new Error(`cassandra-svc.yml did not validate: ${JSON.stringify(errors)}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const first = once();
for (let i = 0; i < 20; i++) once();
const runs = Number(process.argv[2] ?? 300);
const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
const result = { bench: 'spec', runs, first_ms: round(first), median_ms: round(percentile(times, 50), 3), p99_ms: round(percentile(times, 99), 3) };
process.stdout.write(`cassandra-svc.yml render + validate, ${runs} runs after 20 warm-up runs: first ${result.first_ms} ms, median ${result.median_ms} ms, p99 ${result.p99_ms} ms\n`);
process.stdout.write(JSON.stringify({ bench: 'spec', median_ms: result.median_ms, p99_ms: result.p99_ms, first_ms: result.first_ms, runs }) + '\n');
