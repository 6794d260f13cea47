#!/usr/bin/env node
// `npm test`: the full suite — build, typecheck, lint (module boundaries), unit and integration tests, then
// end-to-end tests with real processes. Stops at the first failing stage and exits with its code.
import { spawnSync } from 'node:child_process';

process.env.TZ = 'UTC';
process.env.NX_DAEMON = 'false';
process.env.NX_NO_CLOUD = 'true';

const stages = [
  ['build', 'npx', ['nx', 'run-many', '-t', 'build', '--output-style=static']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['lint', 'npm', ['run', '--silent', 'lint']],
  ['unit + integration tests', 'npx', ['jest', '--selectProjects', 'unit', 'int', '--maxWorkers=2']],
  ['end-to-end tests', 'npx', ['jest', '--selectProjects', 'e2e', '--runInBand']],
];

const only = process.argv.slice(2);
for (const [name, cmd, args] of stages) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  const started = Date.now();
  process.stdout.write(`\n=== ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    process.stdout.write(`\n=== ${name} FAILED after ${secs}s\n`);
    process.exit(r.status ?? 1);
  }
  process.stdout.write(`=== ${name} passed in ${secs}s\n`);
}
