#!/usr/bin/env node
// `npm start`: from a fresh clone to a running ensemble. This part is plain JavaScript because it runs before the
// dependencies are installed: it installs what is missing, builds, then hands over to the launcher (src/start.ts).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
process.chdir(root);
const say = (m) => process.stdout.write(`marshal: ${m}\n`);
const die = (m) => {
  process.stderr.write(`marshal: ${m}\n`);
  process.exit(1);
};

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) die(`Node.js 20.19 or newer is needed, this is ${process.versions.node}`);

// 0. A launcher already running on this state folder: refuse before installing or building under its feet (the
// launcher, src/start.ts, takes the lock itself; this only spares the work).
const stateArg = process.argv.indexOf('--state-dir');
const stateDir = resolve(stateArg >= 0 && process.argv[stateArg + 1] ? process.argv[stateArg + 1] : join(root, '.marshal'));
const lockOwner = (() => {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'marshal.lock'), 'utf8'));
  } catch {
    return undefined; // no lock, or a half-written one: the launcher decides
  }
})();
const launcherAlive = (pid) => {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tools/dev');
  } catch {
    return true;
  }
};
if (lockOwner && typeof lockOwner.pid === 'number' && lockOwner.pid !== process.pid && launcherAlive(lockOwner.pid)) {
  die(
    `Marshal is already running on ${stateDir} (pid ${lockOwner.pid}, started ${lockOwner.startedAt}, gateway ${lockOwner.gateway}).\n` +
      `Stop it first (Ctrl-C in its terminal, or kill ${lockOwner.pid}), or start another one on its own state folder and port:\n` +
      '  npm start -- --state-dir <dir> --port <port>',
  );
}

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
  if (r.status !== 0) die(`'${cmd} ${args.join(' ')}' failed`);
};
const onPath = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

// 1. Dependencies, when node_modules is missing or older than the lock file.
const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
  say('installing dependencies (npm ci)…');
  run('npm', ['ci']);
}

// 2. nats-server, unless NATS_URL points at one.
if (!process.env.NATS_URL && !onPath('nats-server')) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && onPath('apt-get')) {
    say('installing nats-server (apt-get)…');
    run('apt-get', ['update']);
    run('apt-get', ['install', '-y', 'nats-server']);
  } else {
    die('nats-server is not installed. Install it with:\n\n    sudo apt-get install -y nats-server\n\nor set NATS_URL to a NATS server with JetStream.');
  }
}

// 3. Build (Nx skips what is up to date).
say('building…');
run('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static']);

// 4. Start the ensemble. Ctrl-C reaches the launcher directly (same terminal); SIGTERM sent to us is passed on.
const launcher = join(root, 'tools', 'dev', 'dist', 'start.js');
const child = spawn(process.execPath, ['--enable-source-maps', launcher, ...process.argv.slice(2)], { stdio: 'inherit' });
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
