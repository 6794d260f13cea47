#!/usr/bin/env node
// `npm run bench -- <name> [args]`: builds, then runs tools/bench/dist/<name>.bench.js. Each benchmark prints what it
// measured and ends with one JSON line; docs/benchmarks.md records the numbers with this command.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [name, ...rest] = process.argv.slice(2);
const available = () => readdirSync(join(root, 'tools', 'bench', 'src')).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace('.bench.ts', ''));
if (!name) {
  process.stderr.write(`usage: npm run bench -- <name>   (one of: ${available().join(', ')})\n`);
  process.exit(2);
}
if (!available().includes(name)) {
  process.stderr.write(`no benchmark '${name}' (have: ${available().join(', ')})\n`);
  process.exit(2);
}
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env });
if (build.status !== 0) process.exit(build.status ?? 1);
const file = join(root, 'tools', 'bench', 'dist', `${name}.bench.js`);
if (!existsSync(file)) process.exit(1);
const r = spawnSync(process.execPath, [file, ...rest], { cwd: root, stdio: 'inherit', env });
process.exit(r.status ?? 1);
