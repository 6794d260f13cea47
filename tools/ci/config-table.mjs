#!/usr/bin/env node
// Prints the README's configuration table from each built app's `--describe-config` (what the app really reads).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Not services: the CLI, and the web console (static files the gateway serves).
const apps = readdirSync(join(root, 'apps')).filter((a) => a !== 'cli' && a !== 'console').sort();
const rows = new Map();
for (const app of apps) {
  const out = execFileSync(process.execPath, [join(root, 'apps', app, 'dist', 'main.js'), '--describe-config'], { encoding: 'utf8' });
  for (const v of JSON.parse(out).variables) {
    const row = rows.get(v.name) ?? { ...v, apps: [] };
    row.apps.push(app);
    rows.set(v.name, row);
  }
}
const fmt = (d) => (d === null || d === '' ? '—' : `\`${d}\``);
const lines = ['| Variable | Default | Used by | Meaning |', '| --- | --- | --- | --- |'];
for (const r of [...rows.values()].sort((a, b) => (b.apps.length - a.apps.length) || a.name.localeCompare(b.name))) {
  const used = r.apps.length === apps.length ? 'all services' : r.apps.join(', ');
  lines.push(`| \`${r.name}\` | ${fmt(r.default)} | ${used} | ${r.description.replace(/\|/g, '\\|')} |`);
}
process.stdout.write(lines.join('\n') + '\n');
