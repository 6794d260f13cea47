import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer reads; operator also runs plan and pod commands; admin also installs, updates, uninstalls, rebuilds. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

export interface TokenEntry {
  token: string;
  /** Who: recorded as the actor (`operator:<subject>`) on every event a request causes. */
  subject: string;
  role: Role;
}

function checkEntry(e: unknown, where: string): TokenEntry {
  const o = e as Partial<TokenEntry>;
  if (typeof o?.token !== 'string' || o.token.length < 16) throw new Error(`${where}: token must be a string of at least 16 characters`);
  if (typeof o.subject !== 'string' || !/^[A-Za-z0-9_.@-]{1,64}$/.test(o.subject)) throw new Error(`${where}: subject must be 1-64 of [A-Za-z0-9_.@-]`);
  if (!ROLES.includes(o.role as Role)) throw new Error(`${where}: role must be one of ${ROLES.join(', ')}`);
  return { token: o.token, subject: o.subject, role: o.role as Role };
}

/**
 * Tokens from a JSON file (`[{"token","subject","role"}]`) and/or `MARSHAL_TOKENS` (`role:subject:token,…`).
 * Bad entries fail the gateway at start, naming the entry.
 */
export function loadTokens(file: string, inline: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`TOKENS_FILE ${file}: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new Error(`TOKENS_FILE ${file}: must hold a JSON array of {token, subject, role}`);
    parsed.forEach((e, i) => entries.push(checkEntry(e, `TOKENS_FILE ${file}[${i}]`)));
  }
  for (const [i, part] of inline.split(',').map((p) => p.trim()).filter(Boolean).entries()) {
    const [role, subject, ...rest] = part.split(':');
    entries.push(checkEntry({ role, subject, token: rest.join(':') }, `MARSHAL_TOKENS entry ${i + 1}`));
  }
  return entries;
}

export class TokenStore {
  constructor(private readonly entries: TokenEntry[]) {}

  get size(): number {
    return this.entries.length;
  }

  find(token: string): TokenEntry | undefined {
    const given = Buffer.from(token);
    return this.entries.find((e) => {
      const known = Buffer.from(e.token);
      return known.length === given.length && timingSafeEqual(known, given);
    });
  }
}
