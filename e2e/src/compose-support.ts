import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { eventually } from '@marshal/testing';

/**
 * What the docker-compose e2e needs from the machine: a Docker engine, docker-compose (v1, or anything answering
 * `docker-compose`), debootstrap for the local base images, curl (it resolves `*.localhost`) and openssl (the README
 * generates the PostgreSQL password with it).
 */
const TOOLS: { bin: string; pkg: string; probe: string[] }[] = [
  { bin: 'docker', pkg: 'docker.io', probe: ['--version'] },
  // A docker client alone (a newer one in /usr/local/bin, say) is not an engine: dockerd comes with docker.io.
  { bin: 'dockerd', pkg: 'docker.io', probe: ['--version'] },
  { bin: 'docker-compose', pkg: 'docker-compose', probe: ['version'] },
  { bin: 'debootstrap', pkg: 'debootstrap', probe: ['--version'] },
  { bin: 'curl', pkg: 'curl', probe: ['--version'] },
  { bin: 'openssl', pkg: 'openssl', probe: ['version'] },
];

const works = (bin: string, args: string[]): boolean => spawnSync(bin, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
const missingTools = (): typeof TOOLS => TOOLS.filter((t) => !works(t.bin, t.probe));
const canInstall = (): boolean => process.getuid?.() === 0 && existsSync('/etc/debian_version') && works('apt-get', ['--version']);

/**
 * Why the compose e2e cannot run here, or undefined when it can: everything is installed and the engine answers, or
 * this is Debian as root, where `ensureDocker` installs what is missing with apt and starts dockerd.
 */
export function composeSkipReason(): string | undefined {
  if (process.platform !== 'linux') return `it runs on Linux only (this is ${process.platform})`;
  const missing = missingTools();
  const info = missing.some((t) => t.bin === 'docker') ? undefined : spawnSync('docker', ['info'], { encoding: 'utf8', timeout: 30_000 });
  if (missing.length === 0 && info?.status === 0) return undefined;
  if (canInstall()) return undefined;
  const engine = `docker info fails: ${(info?.stderr ?? '').trim().split('\n').pop() || 'no answer'}`;
  const what = missing.length ? `${missing.map((t) => t.bin).join(', ')} missing` : engine;
  return `${what}, and only root on Debian installs and starts them (apt-get install -y ${[...new Set(TOOLS.map((t) => t.pkg))].join(' ')}; dockerd)`;
}

/** Installs what is missing (apt) and starts dockerd when the engine does not answer, logging to `logFile`. */
export async function ensureDocker(logFile: string): Promise<void> {
  const missing = missingTools();
  if (missing.length) {
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...new Set(missing.map((t) => t.pkg))]]) {
      const r = spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
      if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
    }
  }
  if (works('docker', ['info'])) return;
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  // Left running on purpose: the engine outlives the test (as a system service would), with its image cache.
  spawn('dockerd', [], { detached: true, stdio: ['ignore', fd, fd] }).unref();
  closeSync(fd);
  await eventually(
    () => {
      if (!works('docker', ['info'])) throw new Error(`docker info fails (dockerd logs to ${logFile})`);
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'the Docker engine' },
  );
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (or kills it at the deadline), appending what it printed to `log`. */
export function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; log: string; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      appendFileSync(opts.log, `\n$ ${cmd} ${args.join(' ')}   # exit ${code} after ${secs}s\n${stdout}${stderr}`);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The fenced shell blocks of README's "Deploying with Docker" section marked `<!-- compose-e2e: run -->`, and all of its shell lines. */
export function readmeDockerSection(readme: string): { runBlocks: string[]; commands: string[] } {
  const start = readme.indexOf('## Deploying with Docker');
  if (start < 0) throw new Error('README.md has no "## Deploying with Docker" section');
  const next = readme.indexOf('\n## ', start + 3);
  const section = readme.slice(start, next < 0 ? undefined : next);
  const runBlocks: string[] = [];
  const commands: string[] = [];
  for (const m of section.matchAll(/(<!-- compose-e2e: run -->\n)?```sh\n([\s\S]*?)```/g)) {
    if (m[1]) runBlocks.push(m[2]);
    commands.push(...m[2].split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean));
  }
  return { runBlocks, commands };
}

/** The repository's files as git sees them (tracked and new, not ignored), copied into `dest`: what a user's checkout holds. */
export function copyCheckout(root: string, dest: string): void {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ls-files failed in ${root}: ${r.stderr}`);
  for (const file of r.stdout.split('\0').filter(Boolean)) {
    const from = join(root, file);
    // Deleted in the working tree but still in the index.
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(from, join(dest, file));
  }
}

/** A TCP port free on the loopback address right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `count` blocks of `size` consecutive free ports at or above `from`, the first block starting at `from` when it can. */
export async function freePortBlocks(from: number, size: number, count: number): Promise<number[]> {
  const blocks: number[] = [];
  for (let base = from; blocks.length < count && base + size < 65_000; base += size) {
    let ok = true;
    for (let p = base; p < base + size && ok; p++) ok = await portFree(p);
    if (ok) blocks.push(base);
  }
  if (blocks.length < count) throw new Error(`no ${count} blocks of ${size} free ports above ${from}`);
  return blocks;
}

/**
 * The running containers of a compose project (one-off `run` containers aside) with their service and health, asked of
 * the engine directly: docker-compose itself takes seconds of CPU per call.
 */
export function containerStates(project: string): { name: string; service: string; state: string; health: string }[] {
  const ps = spawnSync('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.oneoff=False'], {
    encoding: 'utf8',
  });
  if (ps.status !== 0) throw new Error(`docker ps failed: ${ps.stderr}`);
  const ids = ps.stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const r = spawnSync(
    'docker',
    ['inspect', '-f', '{{.Name}}|{{index .Config.Labels "com.docker.compose.service"}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}', ...ids],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`docker inspect failed: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => {
      const [name, service, state, health] = l.split('|');
      return { name: name.replace(/^\//, ''), service, state, health };
    });
}

/** The generated fixture `gated`: three pods, one per agent, whose readiness waits for a file the test creates. */
export function gatedPackage(): Record<string, string> {
  return {
    'package.json': JSON.stringify({ packagingVersion: '4.0', name: 'gated', version: '1.0.0', description: 'compose e2e fixture', framework: true }),
    'config.json': JSON.stringify({
      type: 'object',
      properties: {
        service: { type: 'object', properties: { name: { type: 'string', default: 'gated' } } },
        version: { type: 'string', default: '1', pattern: '^[0-9]+$' },
      },
    }),
    'marathon.json.mustache': '{ "id": "{{service.name}}", "env": { "FRAMEWORK_NAME": "{{service.name}}", "VERSION": "{{version}}" } }\n',
    'svc.yml': [
      'name: {{FRAMEWORK_NAME}}',
      'pods:',
      '  node:',
      '    count: 3',
      "    placement: 'hostname:UNIQUE'",
      '    tasks:',
      '      server:',
      '        goal: RUNNING',
      '        cmd: echo {{VERSION}} >> data/versions && exec sleep 100000',
      '        cpus: 0.1',
      '        memory: 32',
      '        volume:',
      '          path: data',
      '          type: ROOT',
      '          size: 10',
      '        readiness-check:',
      // In the agent's container, on its volume: the test opens the gate of a version with `docker-compose exec`.
      '          cmd: test -f /var/lib/marshal/open-{{VERSION}}',
      '          interval: 1',
      '          delay: 0',
      '          timeout: 5',
      '',
    ].join('\n'),
  };
}

export const readText = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
