import { Inject, Injectable, SetMetadata, applyDecorators, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { MarshalError } from '@marshal/contracts';
import { APP_CONFIG, SERVICE_CONTEXT, type ServiceContext } from '@marshal/runtime';
import { GatewayMetrics } from '../metrics/metrics';
import { CSRF_HEADER, SESSION_COOKIE, SessionStore, cookieValue, csrfMatches, type Session } from './sessions';
import { roleAllows, TokenStore, type Role, type TokenEntry } from './tokens';

const ROLE_KEY = 'marshal:role';
const PUBLIC_KEY = 'marshal:public';

/** The OpenAPI extension naming the least role of an operation (see `http/openapi.ts`). */
export const ROLE_EXTENSION = 'x-marshal-role';
export const PUBLIC_EXTENSION = 'x-marshal-public';

/** The least role a route needs; without it, GET/HEAD need viewer and everything else operator. */
export const RequireRole = (role: Role): MethodDecorator & ClassDecorator => applyDecorators(SetMetadata(ROLE_KEY, role), ApiExtension(ROLE_EXTENSION, role));

/** A route anyone may fetch (the web UI's page: it holds no data; its API calls carry the user's token). */
export const Public = (): MethodDecorator & ClassDecorator => applyDecorators(SetMetadata(PUBLIC_KEY, true), ApiExtension(PUBLIC_EXTENSION, true));

/** The role a route needs when it names none (docs/api.md: viewer reads, operator acts). */
export function defaultRole(method: string): Role {
  return method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD' ? 'viewer' : 'operator';
}

export interface Caller {
  /** Recorded as the actor of every event the request causes. */
  actor: string;
  role: Role;
}

export type AuthedRequest = FastifyRequest & { caller?: Caller; session?: Session };

/** The caller of a request (set by the guard); the actor of the commands it sends. */
export function callerOf(req: FastifyRequest): Caller {
  return (req as AuthedRequest).caller ?? { actor: 'operator:anonymous', role: 'admin' };
}

/**
 * Who a request comes from: its bearer token, or else its session cookie. A change made with the cookie (anything but
 * GET/HEAD) must carry the session's CSRF token. Throws UNAUTHENTICATED or FORBIDDEN.
 */
export function identify(req: FastifyRequest, tokens: TokenStore, sessions: SessionStore): { entry: TokenEntry; session?: Session } {
  const header = req.headers['authorization'] ?? '';
  const sessionId = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (header === '' && sessionId !== undefined) {
    const session = sessions.find(sessionId);
    if (!session) throw new MarshalError('UNAUTHENTICATED', 'the session has ended: log in again');
    const safe = req.method === 'GET' || req.method === 'HEAD';
    if (!safe && !csrfMatches(session, req.headers[CSRF_HEADER])) {
      throw new MarshalError('FORBIDDEN', `a change made with a session cookie needs the session's CSRF token in the ${CSRF_HEADER} header`);
    }
    return { entry: session.entry, session };
  }
  // `Bearer <t>`, or the DC/OS CLI's `token=<t>`.
  const m = /^(?:Bearer\s+|token=)(\S+)$/i.exec(Array.isArray(header) ? header[0] : header);
  if (!m) throw new MarshalError('UNAUTHENTICATED', 'missing bearer token: send Authorization: Bearer <token>');
  const entry = tokens.find(m[1]);
  if (!entry) throw new MarshalError('UNAUTHENTICATED', 'unknown token');
  return { entry };
}

/**
 * Bearer tokens with roles (docs/api.md): 401 without a known token, 403 when the token's role is too low. With
 * AUTH_DISABLED every request is allowed and recorded as `operator:anonymous` — an explicit choice, never a default.
 * The web console's session cookie (`POST /v1/session`) stands for the token it was opened with; a change made with it
 * (anything but GET/HEAD) must also carry the session's CSRF token in `X-Marshal-CSRF`, which another site cannot
 * read or send.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenStore,
    private readonly sessions: SessionStore,
    @Inject(APP_CONFIG) private readonly config: { AUTH_DISABLED: boolean },
    private readonly metrics: GatewayMetrics,
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
  ) {}

  /** Every refusal is counted and logged (never the token itself), then answered 401 or 403. */
  private refuse(req: FastifyRequest, code: 'UNAUTHENTICATED' | 'FORBIDDEN', message: string, who: Record<string, string> = {}): never {
    const route = req.routeOptions.url ?? 'unknown';
    this.metrics.authRefusals.inc({ reason: code === 'FORBIDDEN' ? 'forbidden' : 'unauthenticated', method: req.method, route });
    this.ctx.log.warn({ method: req.method, route, url: req.url, remote: req.ip, ...who, why: message }, `request refused: ${code}`);
    throw new MarshalError(code, message);
  }

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const needed =
      this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, [context.getHandler(), context.getClass()]) ??
      defaultRole(req.method);
    if (this.config.AUTH_DISABLED) {
      req.caller = { actor: 'operator:anonymous', role: 'admin' };
      return true;
    }
    const entry = this.entryOf(req);
    if (!roleAllows(entry.role, needed)) {
      this.refuse(req, 'FORBIDDEN', `this needs the ${needed} role; the token of ${entry.subject} has ${entry.role}`, { subject: entry.subject, role: entry.role, needed });
    }
    req.caller = { actor: `${entry.role}:${entry.subject}`, role: entry.role };
    return true;
  }

  private entryOf(req: AuthedRequest): TokenEntry {
    try {
      const { entry, session } = identify(req, this.tokens, this.sessions);
      if (session) req.session = session;
      return entry;
    } catch (e) {
      if (e instanceof MarshalError && (e.code === 'UNAUTHENTICATED' || e.code === 'FORBIDDEN')) this.refuse(req, e.code, e.message);
      throw e;
    }
  }
}
