import { SessionStore, cookieValue, csrfMatches, sessionCookie } from './sessions';

const entry = { token: 'a'.repeat(20), subject: 'alice', role: 'operator' as const };

describe('web console sessions', () => {
  it('finds a session until it expires, then never again', () => {
    let now = 1_000;
    const store = new SessionStore(60_000, () => now);
    const s = store.open(entry);
    expect(store.find(s.id)?.entry.subject).toBe('alice');
    now += 59_999;
    expect(store.find(s.id)).toBeDefined();
    now += 1;
    expect(store.find(s.id)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('gives every session its own id and CSRF token, and forgets a closed one', () => {
    const store = new SessionStore(60_000);
    const a = store.open(entry);
    const b = store.open(entry);
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(b.csrf);
    expect(a.id).not.toContain(entry.token);
    expect(store.close(a.id)).toBe(true);
    expect(store.find(a.id)).toBeUndefined();
    expect(store.find(b.id)).toBeDefined();
  });

  it("accepts only the session's own CSRF token", () => {
    const store = new SessionStore(60_000);
    const s = store.open(entry);
    expect(csrfMatches(s, s.csrf)).toBe(true);
    expect(csrfMatches(s, undefined)).toBe(false);
    expect(csrfMatches(s, '')).toBe(false);
    expect(csrfMatches(s, store.open(entry).csrf)).toBe(false);
  });

  it('reads one cookie of a Cookie header and writes an HttpOnly SameSite=Strict one', () => {
    expect(cookieValue('a=1; marshal_session=xyz; b=2', 'marshal_session')).toBe('xyz');
    expect(cookieValue('marshal_sessionx=1', 'marshal_session')).toBeUndefined();
    expect(cookieValue(undefined, 'marshal_session')).toBeUndefined();
    expect(sessionCookie('v', 60, false)).toBe('marshal_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(sessionCookie('v', 60, true)).toMatch(/; Secure$/);
  });
});
