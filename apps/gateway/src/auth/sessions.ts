import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenEntry } from './tokens';

/** The cookie of a web console session: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const SESSION_COOKIE = 'marshal_session';
/** A request authenticated by the session cookie must repeat the session's CSRF token in this header to change anything. */
export const CSRF_HEADER = 'x-marshal-csrf';

export interface Session {
  id: string;
  /** Returned to the console at login and by `GET /v1/session`: same-origin script can read it, another site cannot. */
  csrf: string;
  entry: TokenEntry;
  expiresAt: number;
}

/**
 * Sessions of the web console, in the gateway's memory: a login trades a bearer token for a random session id held in
 * an HttpOnly cookie, so the token never sits where page script (or another page of the origin) could read it. A
 * gateway restart ends every session; the user logs in again.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  open(entry: TokenEntry): Session {
    this.sweep();
    const session: Session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(24).toString('base64url'), entry, expiresAt: this.now() + this.ttlMs };
    this.sessions.set(session.id, session);
    return session;
  }

  find(id: string): Session | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  close(id: string): boolean {
    return this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

/** Whether the CSRF header a request sent is its session's. */
export function csrfMatches(session: Session, sent: string | string[] | undefined): boolean {
  const given = Buffer.from(Array.isArray(sent) ? (sent[0] ?? '') : (sent ?? ''));
  const known = Buffer.from(session.csrf);
  return given.length === known.length && timingSafeEqual(given, known);
}

/** The value of one cookie of a `Cookie` header (RFC 6265 §5.4: `name=value` pairs separated by `; `). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The `Set-Cookie` of a session (or, with `maxAgeS` 0, of its end). */
export function sessionCookie(value: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}
