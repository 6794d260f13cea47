import { chmod, lstat, mkdir, open, symlink } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { AllocatedVolume, TaskInfo } from '@marshal/contracts';
import { render as renderMustache } from 'mustache';
import { chownDir, chownTree, writeInside } from './sandbox-files';
import type { UserIdentity } from './task-user';
import { isErrno } from './unexpected';
import { fetchUri, type FetchOptions } from './uri-fetcher';

/** Mesos' default for tasks whose environment sets no PATH. */
export const DEFAULT_TASK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Reference §4.4.2: a volume path is a single path segment. */
const VOLUME_PATH = /^[a-zA-Z0-9]+([a-zA-Z0-9_-]*)*$/;

/** The rlimits Mesos knows (reference §4.3 `rlimits`), with the matching prlimit(1) option. */
export const RLIMIT_OPTIONS: Readonly<Record<string, string>> = {
  RLIMIT_AS: 'as',
  RLIMIT_CORE: 'core',
  RLIMIT_CPU: 'cpu',
  RLIMIT_DATA: 'data',
  RLIMIT_FSIZE: 'fsize',
  RLIMIT_LOCKS: 'locks',
  RLIMIT_MEMLOCK: 'memlock',
  RLIMIT_MSGQUEUE: 'msgqueue',
  RLIMIT_NICE: 'nice',
  RLIMIT_NOFILE: 'nofile',
  RLIMIT_NPROC: 'nproc',
  RLIMIT_RSS: 'rss',
  RLIMIT_RTPRIO: 'rtprio',
  RLIMIT_RTTIME: 'rttime',
  RLIMIT_SIGPENDING: 'sigpending',
  RLIMIT_STACK: 'stack',
};

export function sandboxDir(workDir: string, taskId: string): string {
  return join(sandboxesRoot(workDir), taskId);
}

/** Where a persistent volume's data lives: outside any sandbox, so it outlives the task (reference §4.4.2). */
export function volumeDir(workDir: string, volume: AllocatedVolume): string {
  const root = volume.mountRoot && volume.type !== 'ROOT' ? volume.mountRoot : join(workDir, 'volumes');
  return join(root, volume.persistenceId);
}

/** The task's environment: its TaskInfo env plus what the agent alone knows, as a Mesos agent provided it. */
export function taskEnvironment(task: TaskInfo, sandbox: string): Record<string, string> {
  return { PATH: DEFAULT_TASK_PATH, ...task.env, MESOS_SANDBOX: sandbox, MESOS_TASK_ID: task.taskId };
}

function isSafeSegment(s: string): boolean {
  return s.length > 0 && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0');
}

function isInside(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Why this TaskInfo cannot run on this agent, or undefined when it can. Checked before anything touches the disk,
 * so a bad TaskInfo ends as TASK_ERROR with a message naming the field.
 */
export function invalidTaskReason(task: TaskInfo): string | undefined {
  if (!isSafeSegment(task.taskId)) return `taskId '${task.taskId}' cannot name a sandbox directory`;
  const paths = new Set<string>();
  for (const [i, v] of task.volumes.entries()) {
    if (!VOLUME_PATH.test(v.path)) {
      return `volumes[${i}].path '${v.path}' must be a single path segment matching ${VOLUME_PATH.source}`;
    }
    if (paths.has(v.path)) return `volumes[${i}].path '${v.path}' is used by two volumes`;
    paths.add(v.path);
    if (!isSafeSegment(v.persistenceId)) {
      return `volumes[${i}].persistenceId '${v.persistenceId}' cannot name a directory`;
    }
    if (v.mountRoot !== undefined && !isAbsolute(v.mountRoot)) {
      return `volumes[${i}].mountRoot '${v.mountRoot}' must be an absolute path`;
    }
  }
  const names = new Set<string>();
  for (const [i, c] of task.configs.entries()) {
    if (!isSafeSegment(c.name)) return `configs[${i}].name '${c.name}' cannot name a file`;
    if (names.has(c.name)) return `configs[${i}].name '${c.name}' is used by two configs`;
    names.add(c.name);
    if (isAbsolute(c.dest) || !isInside('/sandbox', resolve('/sandbox', c.dest))) {
      return `configs[${i}].dest '${c.dest}' must be a path inside the sandbox`;
    }
  }
  for (const [i, r] of task.rlimits.entries()) {
    if (!(r.name in RLIMIT_OPTIONS)) {
      return `rlimits[${i}].name '${r.name}' is not one of ${Object.keys(RLIMIT_OPTIONS).join(', ')}`;
    }
    if ((r.soft === undefined) !== (r.hard === undefined)) {
      return `rlimits[${i}] (${r.name}) must set both soft and hard, or neither`;
    }
    const soft = r.soft ?? -1;
    const hard = r.hard ?? -1;
    if (hard !== -1 && (soft === -1 || soft > hard)) {
      return `rlimits[${i}] (${r.name}) soft ${soft} must not exceed hard ${hard}`;
    }
  }
  return undefined;
}

/** `prlimit` arguments applying the task's rlimits; empty when it has none. */
export function prlimitArgs(task: TaskInfo): string[] {
  return task.rlimits.map((r) => {
    const v = (n: number | undefined) => (n === undefined || n === -1 ? 'unlimited' : String(n));
    return `--${RLIMIT_OPTIONS[r.name]}=${v(r.soft)}:${v(r.hard)}`;
  });
}

/**
 * Renders a config template the way the SDK's `bootstrap` helper did (seed 001 "Configuration Templates"):
 * mustache against the task environment, no HTML escaping, and values spelled "false" in any case are false so
 * that `{{#FLAG}}…{{/FLAG}}` sections skip.
 */
export function renderConfigTemplate(template: string, env: Record<string, string>): string {
  const view: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries(env)) view[k] = v.toLowerCase() === 'false' ? false : v;
  return renderMustache(template, view, {}, { escape: (s: string) => s });
}

/**
 * Stands in for the SDK's `bootstrap` binary when no URI brought one: the agent already rendered the templates,
 * and commands written for the original (`./bootstrap && …`, the pause command's `./bootstrap --resolve=false`)
 * keep working. Like the original it prints the environment first, masking secrets.
 */
const BOOTSTRAP_SHIM = `#!/bin/sh
# Written by the Marshal agent: config templates were rendered before this task started.
echo "Bootstrapping with environment:" >&2
env | sort | sed -E 's/^([^=]*(credential|password|secret|token)[^=]*)=.*/\\1=********/I' >&2
echo "SDK Bootstrap successful." >&2
exit 0
`;

/** Whether something (a symlink included, dangling or not) is at `path`. */
async function lexists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (e: unknown) => {
      if (isErrno(e, 'ENOENT')) return false;
      throw e;
    },
  );
}

export interface PrepareOptions {
  workDir: string;
  sandbox: string;
  env: Record<string, string>;
  /** The user the task runs as, when not the agent's: the sandbox and the volumes are given to it. */
  owner?: UserIdentity;
  fetch?: FetchOptions;
}

/**
 * Lays out a sandbox before `cmd` runs: stdout/stderr files, persistent volumes linked in at their paths, fetched
 * URIs, rendered config templates, and the bootstrap stand-in. Throws with a message naming what failed.
 */
export async function prepareSandbox(task: TaskInfo, opts: PrepareOptions): Promise<void> {
  const { sandbox, workDir, env, owner } = opts;
  // Only its task (and the agent) may look into a sandbox: it holds the task's environment and configs.
  await mkdir(sandbox, { recursive: true, mode: 0o700 });
  for (const name of ['stdout', 'stderr']) await (await open(join(sandbox, name), 'a')).close();

  for (const v of task.volumes) {
    const dir = volumeDir(workDir, v);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // The task writes its data there as its own user.
    if (owner) await chownDir(dir, owner);
    await symlink(dir, join(sandbox, v.path)).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`cannot link volume '${v.persistenceId}' at '${v.path}': ${e.message}`);
    });
  }

  for (const uri of task.uris) await fetchUri(uri, sandbox, opts.fetch);

  for (const c of task.configs) {
    // The original fetched the raw template to config-templates/<name> (reference §4.4.4); keep it for tasks
    // that render on their own.
    await writeInside(sandbox, join(sandbox, 'config-templates', c.name), c.template, `config template '${c.name}'`);
    let rendered: string;
    try {
      rendered = renderConfigTemplate(c.template, env);
    } catch (e) {
      throw new Error(`cannot render config '${c.name}' (${c.templatePath}): ${e instanceof Error ? e.message : e}`);
    }
    await writeInside(sandbox, resolve(sandbox, c.dest), rendered, `config '${c.name}' (dest '${c.dest}')`);
  }

  const bootstrap = join(sandbox, 'bootstrap');
  if (!(await lexists(bootstrap))) await writeInside(sandbox, bootstrap, BOOTSTRAP_SHIM, 'bootstrap', { mode: 0o755, exclusive: true });
  if (owner) await chownTree(sandbox, owner);
}

/** Lays out a task's sandbox before its command starts; throws with a message naming what failed. */
export interface SandboxPreparer {
  prepare(task: TaskInfo, opts: PrepareOptions): Promise<void>;
}

/** A real agent's sandboxes: directories, volumes, URIs and templates on disk (`prepareSandbox`). */
export class DirectorySandboxPreparer implements SandboxPreparer {
  private rootsReady?: Promise<void>;

  /** `fetch`: the agent's URI settings (size cap, redirect hosts, file root, timeout). */
  constructor(private readonly opts: { fetch?: Omit<FetchOptions, 'signal'> } = {}) {}

  async prepare(task: TaskInfo, opts: PrepareOptions): Promise<void> {
    this.rootsReady ??= prepareAgentDirs(opts.workDir);
    await this.rootsReady;
    return prepareSandbox(task, { ...opts, fetch: { ...this.opts.fetch, ...opts.fetch } });
  }
}

/**
 * `sandboxes/` and `volumes/` of an agent can be passed through but not listed (0711): a task running as another user
 * reaches its own sandbox and volumes by their absolute paths, and sees nothing of the others'.
 */
export async function prepareAgentDirs(workDir: string): Promise<void> {
  for (const dir of [sandboxesRoot(workDir), join(workDir, 'volumes')]) {
    await mkdir(dir, { recursive: true, mode: 0o711 });
    await chmod(dir, 0o711);
  }
}

/** Simulated agents prepare nothing: no process will look at a sandbox. */
export class NoSandboxPreparer implements SandboxPreparer {
  async prepare(): Promise<void> {
    // nothing runs in it
  }
}

/** `<workDir>/sandboxes`: every task sandbox of an agent is directly under it. */
export function sandboxesRoot(workDir: string): string {
  return join(workDir, 'sandboxes');
}
