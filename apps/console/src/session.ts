import type { SessionBody } from '@marshal/contracts';
import { api } from './api';

export type Role = SessionBody['role'];
const ORDER: Role[] = ['viewer', 'operator', 'admin'];

/** The gateway's rule (docs/api.md "Authentication and roles"): viewer reads, operator commands, admin installs. */
export function may(held: Role | undefined, needed: Role): boolean {
  return held !== undefined && ORDER.indexOf(held) >= ORDER.indexOf(needed);
}

/** The session of a reload, if the cookie still holds one; undefined when the user must log in. */
export async function currentSession(): Promise<SessionBody | undefined> {
  const r = await api.call('GET /v1/session');
  // 204: no token and no live session.
  if (r.status === 204) return undefined;
  api.csrf = r.body.csrf;
  return r.body;
}

/** Trades the token for the session cookie; the token is not kept anywhere after this. */
export async function login(token: string): Promise<SessionBody> {
  const s = await api.get('POST /v1/session', { body: { token } });
  api.csrf = s.csrf;
  return s;
}

export async function logout(): Promise<void> {
  await api.call('DELETE /v1/session');
  api.csrf = '';
}
