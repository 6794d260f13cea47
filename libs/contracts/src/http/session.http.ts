import { Type, type Static } from '@sinclair/typebox';

/** `POST /v1/session`: log the web console in with a bearer token; the gateway answers with an HttpOnly session cookie. */
export const LoginBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 4096 }) }, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;

/** Who a session (or a bearer token) is, and the CSRF token a cookie-authenticated change must send in `X-Marshal-CSRF`. */
export const SessionBody = Type.Object(
  {
    subject: Type.String(),
    role: Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]),
    /** Empty when the request was not authenticated by a session cookie (a bearer token needs none). */
    csrf: Type.String(),
    /** When the session ends (ISO-8601), or null for a bearer token. */
    expiresAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type SessionBody = Static<typeof SessionBody>;
