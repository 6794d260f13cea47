/** Names derived from the service name and environment (reference §4.2, §4.10, §10.1). */

export const DEFAULT_SERVICE_USER = 'root';
export const DEFAULT_ZOOKEEPER = 'master.mesos:2181';
export const ANY_ROLE = '*';
/** Marathon resets an invalid group role to this one; the original then ignores it (SchedulerConfig). */
const DEFAULT_SCHEDULER_ROLE = 'slave_public';

/** `hello-world` → `HELLO_WORLD`: upper case, every char outside [A-Za-z0-9_] becomes `_` (EnvUtils.toEnvName). */
export function toEnvName(name: string): string {
  return name.toUpperCase().replace(/[^A-Za-z0-9_]/g, '_');
}

/** `/path/to/svc` → `path__to__svc` (leading slash dropped, other slashes doubled underscores). */
export function withEscapedSlashes(name: string): string {
  return name.replace(/^\//, '').replace(/\//g, '__');
}

/**
 * The service role: the namespace role from `MESOS_ALLOCATION_ROLE` (Marathon sets it from the app's role) when
 * enforced or usable, else `<escaped name>-role` (reference §4.2, §10.1).
 */
export function serviceRole(name: string, env: Readonly<Record<string, string>>): string {
  const allocationRole = env['MESOS_ALLOCATION_ROLE'];
  const enforce = (env['MARATHON_APP_ENFORCE_GROUP_ROLE'] ?? '').toLowerCase() === 'true';
  if (allocationRole && (enforce || allocationRole !== DEFAULT_SCHEDULER_ROLE)) return withEscapedSlashes(allocationRole);
  return `${withEscapedSlashes(name)}-role`;
}

/**
 * Service user resolution of the original's ServiceSpec (reference §9.7): the service user if set, else the first
 * pod user, else `root`.
 */
export function resolveServiceUser(
  serviceUser: string | null | undefined,
  podUsers: ReadonlyArray<string | null | undefined> | null | undefined,
): string {
  if (serviceUser && serviceUser.trim() !== '') return serviceUser;
  const first = (podUsers ?? []).find((u) => u !== null && u !== undefined);
  return first ?? DEFAULT_SERVICE_USER;
}
