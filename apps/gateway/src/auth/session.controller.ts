import { Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LoginBody, MarshalError, type HttpResponseOf } from '@marshal/contracts';
import { APP_CONFIG } from '@marshal/runtime';
import { JsonBody } from '../http/request-body';
import { Public, identify } from './auth.guard';
import { SESSION_COOKIE, SessionStore, cookieValue, sessionCookie, type Session } from './sessions';
import { TokenStore } from './tokens';

function describeSession(s: Session): HttpResponseOf<'GET /v1/session'> {
  return { subject: s.entry.subject, role: s.entry.role, csrf: s.csrf, expiresAt: new Date(s.expiresAt).toISOString() };
}

/**
 * The web console's login (docs/api.md "Sessions"): a bearer token is traded for an HttpOnly, SameSite=Strict session
 * cookie, so the console never keeps the token where page script could read it. Bearer-token clients need none of this.
 */
@Controller('v1/session')
export class SessionController {
  constructor(
    private readonly tokens: TokenStore,
    private readonly sessions: SessionStore,
    @Inject(APP_CONFIG) private readonly config: { AUTH_DISABLED: boolean; SESSION_TTL_S: number },
  ) {}

  @Post()
  @Public()
  @HttpCode(200)
  login(@JsonBody({ schema: LoginBody }) body: LoginBody, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): HttpResponseOf<'POST /v1/session'> {
    if (this.config.AUTH_DISABLED) return { subject: 'anonymous', role: 'admin', csrf: '', expiresAt: null };
    const entry = this.tokens.find(body.token);
    if (!entry) throw new MarshalError('UNAUTHENTICATED', 'unknown token');
    const session = this.sessions.open(entry);
    void reply.header('set-cookie', sessionCookie(session.id, this.config.SESSION_TTL_S, req.protocol === 'https')).header('cache-control', 'no-store');
    return describeSession(session);
  }

  /**
   * Who the caller is; for a session, also its CSRF token (the console asks this after a reload). Without a token or
   * a live session: 204 and no body — the console's way to learn it must show its login form, without an error.
   */
  @Get()
  @Public()
  whoami(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): HttpResponseOf<'GET /v1/session'> | undefined {
    void reply.header('cache-control', 'no-store');
    if (this.config.AUTH_DISABLED) return { subject: 'anonymous', role: 'admin', csrf: '', expiresAt: null };
    let who: ReturnType<typeof identify>;
    try {
      who = identify(req, this.tokens, this.sessions);
    } catch (e) {
      if (!(e instanceof MarshalError && e.code === 'UNAUTHENTICATED')) throw e;
      void reply.status(204);
      return undefined;
    }
    if (who.session) return describeSession(who.session);
    return { subject: who.entry.subject, role: who.entry.role, csrf: '', expiresAt: null };
  }

  /** Log out: ends the session of the cookie, if any, and clears the cookie. */
  @Delete()
  @Public()
  @HttpCode(204)
  logout(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): void {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (id !== undefined) this.sessions.close(id);
    void reply.header('set-cookie', sessionCookie('', 0, req.protocol === 'https'));
  }
}
