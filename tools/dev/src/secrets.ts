import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The state folder holds secrets (tokens, the PostgreSQL password, later credentials): only its owner may enter it.
 * A folder made by an earlier launcher with a looser mode is tightened.
 */
export function secureStateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

/**
 * Lets one group pass through the state folder without listing it (0710): as root, the embedded PostgreSQL runs as
 * the `postgres` user and must reach its data in `<state>/postgres`. Everything secret in the folder is 0600 to root.
 */
export function letGroupThrough(dir: string, gid: number): void {
  chownSync(dir, statSync(dir).uid, gid);
  chmodSync(dir, 0o710);
}

export interface Tokens {
  admin: string;
  operator: string;
  viewer: string;
}

const TOKEN = /^[0-9a-f]{48}$/;

/**
 * Tokens of the local gateway, kept in <state>/tokens.json (0600) so they survive restarts; `made` says they are new.
 * A damaged file is an error naming it, not a silent new set.
 */
export function loadTokens(stateDir: string): { tokens: Tokens; made: boolean; file: string } {
  const file = join(stateDir, 'tokens.json');
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    let parsed: Partial<Record<keyof Tokens, unknown>>;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<keyof Tokens, unknown>>;
    } catch (e) {
      throw new Error(`${file} is not valid JSON (${(e as Error).message}): remove it to have new tokens generated`);
    }
    for (const role of ['admin', 'operator', 'viewer'] as const) {
      if (typeof parsed[role] !== 'string' || !TOKEN.test(parsed[role])) {
        throw new Error(`${file}: "${role}" must be a token of 48 hex digits: remove the file to have new tokens generated`);
      }
    }
    return { tokens: parsed as Tokens, made: false, file };
  }
  const tokens = { admin: randomBytes(24).toString('hex'), operator: randomBytes(24).toString('hex'), viewer: randomBytes(24).toString('hex') };
  writeFileSync(file, JSON.stringify(tokens, null, 2), { mode: 0o600, flag: 'wx' });
  return { tokens, made: true, file };
}

/** The environment of a `marshal` CLI run by the launcher: the token travels here, never on its command line. */
export function cliEnv(gateway: string, token: string): NodeJS.ProcessEnv {
  return { ...process.env, MARSHAL_URL: gateway, MARSHAL_TOKEN: token };
}

/** The 0600 file the embedded PostgreSQL's password is kept in. */
export const postgresPasswordFile = (stateDir: string): string => join(stateDir, 'postgres-password');
