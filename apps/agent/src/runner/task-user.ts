import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';

/** A user of the agent's machine, as a task process runs with it. */
export interface UserIdentity {
  name: string;
  uid: number;
  gid: number;
  /** Supplementary groups, the primary one included. */
  groups: number[];
}

/** How the agent picks the user of a task (the `AGENT_TASK_*` settings). */
export interface TaskUserPolicy {
  /** Who the agent runs as. */
  agent: UserIdentity;
  /** The user of a task that names none (and of one naming `root` unless `allowRoot`). */
  defaultUser: string;
  /** Whether a root agent runs a task whose user is `root` as root. */
  allowRoot: boolean;
}

/** Looks a user up by name; undefined when the machine has no such user. */
export type UserLookup = (name: string) => UserIdentity | undefined;

/**
 * Who a task runs as, or why it cannot run here.
 * - An agent running as root runs the task as its `user` (switching uid, gid and groups). `root` is the SDK's
 *   default user (svc.yml without `user:`), so a task asking for root runs as `defaultUser` unless `allowRoot`:
 *   never root by default.
 * - An agent that is not root can only run tasks as itself: a task asking for another user (neither the agent's
 *   own, nor `root`, the SDK default) is refused.
 * `as` is undefined when the task runs as the agent's own user (no switch).
 */
export function taskUser(
  requested: string | undefined,
  policy: TaskUserPolicy,
  lookup: UserLookup,
): { as: UserIdentity | undefined; name: string } | { error: string } {
  const { agent } = policy;
  if (agent.uid !== 0) {
    if (requested === undefined || requested === 'root' || requested === agent.name) return { as: undefined, name: agent.name };
    return {
      error: `the task must run as user '${requested}', but the agent runs as '${agent.name}' (not root) and can run tasks only as itself`,
    };
  }
  const name = requested === undefined || (requested === 'root' && !policy.allowRoot) ? policy.defaultUser : requested;
  const user = lookup(name);
  if (!user) return { error: `user '${name}' does not exist on agent host` };
  if (user.uid === 0 && !policy.allowRoot) {
    return { error: `user '${name}' is root (uid 0), and this agent runs no task as root (AGENT_TASK_ALLOW_ROOT)` };
  }
  return { as: user.uid === agent.uid ? undefined : user, name };
}

const NAME = /^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*\$?$/;

/**
 * The machine's users through NSS (`getent passwd`, `id -G`), as the Mesos agent resolved `--switch_user` users.
 * Throws when the lookup itself fails (not when the user is unknown).
 */
export function systemUserLookup(name: string): UserIdentity | undefined {
  if (!NAME.test(name)) return undefined;
  let entry: string;
  try {
    entry = execFileSync('getent', ['passwd', name], { encoding: 'utf8', timeout: 5_000 }).trim();
  } catch (e) {
    // getent exits 2 when the key is not found.
    if ((e as { status?: number }).status === 2) return undefined;
    throw e;
  }
  const [, , uid, gid] = entry.split('\n')[0].split(':');
  const groups = execFileSync('id', ['-G', name], { encoding: 'utf8', timeout: 5_000 })
    .trim()
    .split(/\s+/)
    .filter((g) => /^\d+$/.test(g))
    .map(Number);
  return { name, uid: Number(uid), gid: Number(gid), groups };
}

/** The user this process runs as. */
export function currentUser(): UserIdentity {
  const me = userInfo();
  const groups = typeof process.getgroups === 'function' ? process.getgroups() : [me.gid];
  return { name: me.username, uid: me.uid, gid: me.gid, groups };
}

/** setpriv(1) arguments that make the rest of the command line run as `user` (uid, gid and exactly its groups). */
export function setprivArgs(user: UserIdentity): string[] {
  const groups = [...new Set(user.groups)];
  return [
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    groups.length > 0 ? `--groups=${groups.join(',')}` : '--clear-groups',
    // A setuid program (su, sudo) cannot give the task back what it was denied.
    '--no-new-privs',
    '--',
  ];
}
