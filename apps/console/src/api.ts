import type { HttpBodyOf, HttpResponseOf, HttpRoute } from '@marshal/contracts';

/*
 * The console's client of the public HTTP API. Routes of the catalogue (`HTTP_ROUTES` in @marshal/contracts, which the
 * gateway's OpenAPI document is built from) take their request and answer types from it: a route name fixes the
 * method, the path and both bodies, so the console cannot call a path with the wrong shape. The few routes the
 * console reads that the catalogue does not declare yet are typed in `ExtraRoutes` below, from the gateway's answers.
 */

export interface TaskStatusJson {
  id: string;
  name: string;
  status?: string;
}
export interface PodInstanceJson {
  name: string;
  tasks: TaskStatusJson[];
}
export interface ServicePodsJson {
  service: string;
  pods?: { name: string; instances: PodInstanceJson[] }[];
}
export interface PodCommandReply {
  pod: string;
  tasks: string[];
}
export interface ConfigurationJson {
  [key: string]: unknown;
}

/** Routes of the gateway the catalogue does not declare; their answers as the gateway gives them (docs/api.md). */
export interface ExtraRoutes {
  'GET /v1/pod/status': { response: ServicePodsJson; body: undefined };
  'POST /v1/pod/{pod}/restart': { response: PodCommandReply; body: undefined };
  'POST /v1/pod/{pod}/replace': { response: PodCommandReply; body: undefined };
  'GET /v1/configurations': { response: string[]; body: undefined };
  'GET /v1/configurations/targetId': { response: string[]; body: undefined };
  'GET /v1/configurations/{id}': { response: ConfigurationJson; body: undefined };
  'DELETE /v1/session': { response: undefined; body: undefined };
}

export type Route = HttpRoute | keyof ExtraRoutes;
export type ResponseOf<R extends Route> = R extends HttpRoute ? HttpResponseOf<R> : R extends keyof ExtraRoutes ? ExtraRoutes[R]['response'] : never;
export type BodyOf<R extends Route> = R extends HttpRoute ? HttpBodyOf<R> : undefined;

export interface CallOptions<R extends Route> {
  /** Values of the route's `{name}` path parameters. */
  params?: Record<string, string>;
  /** The service whose routes these are: mounted under `/v1/service/<service>` (docs/api.md "Paths"). */
  service?: string;
  query?: Record<string, string | string[] | undefined>;
  body?: BodyOf<R>;
  signal?: AbortSignal;
  /** Error statuses whose body is still the answer (a plan with errors is a 417 with the plan, docs/api.md). */
  accept?: number[];
}

/** A failed call: the status and the gateway's message (its JSON `message`, or its plain text). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Answer<T> {
  status: number;
  body: T;
  /** `X-Marshal-Command` of a command: the id of its causal chain. */
  command: string | null;
  seq: number | null;
}

/** Routes of Marshal's own, mounted once; every other route of the catalogue also lives under a service's prefix. */
const GLOBAL = /^\/v1\/(services|agents|events|session|admin|stream|metrics)\b/;

export function pathOf(route: Route, opts: { params?: Record<string, string>; service?: string } = {}): string {
  const path = route.slice(route.indexOf(' ') + 1).replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = opts.params?.[name];
    if (v === undefined) throw new Error(`${route}: missing path parameter ${name}`);
    return encodeURIComponent(v);
  });
  if (opts.service === undefined || GLOBAL.test(path)) return path;
  const rest = path.startsWith('/v1/') ? path.slice('/v1'.length) : path;
  return `/v1/service/${encodeURIComponent(opts.service)}${rest}`;
}

function queryString(q: CallOptions<Route>['query']): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q ?? {})) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) p.append(k, one);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * The API client: the session cookie authenticates every call (the browser sends it; script never sees it), and
 * every change carries the session's CSRF token.
 */
export class Api {
  /** The read models' latest sequence seen on the stream: reads pass it back to read what the stream announced. */
  seq = 0;
  csrf = '';

  async call<R extends Route>(route: R, opts: CallOptions<R> = {}): Promise<Answer<ResponseOf<R>>> {
    const method = route.slice(0, route.indexOf(' '));
    const query = { ...opts.query };
    const headers: Record<string, string> = { accept: 'application/json' };
    // Read what the stream announced (docs/api.md "Reading your own writes"); a time-travel read names its own point.
    if (method === 'GET' && this.seq > 0 && query['at'] === undefined) headers['x-marshal-seq'] = String(this.seq);
    if (method !== 'GET' && this.csrf) headers['x-marshal-csrf'] = this.csrf;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(pathOf(route, opts) + queryString(query), {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
    if ((res.status >= 400 || res.status === 208) && !opts.accept?.includes(res.status)) {
      const message = typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : text || res.statusText;
      throw new ApiError(res.status, message);
    }
    const seq = res.headers.get('x-marshal-seq');
    return { status: res.status, body: body as ResponseOf<R>, command: res.headers.get('x-marshal-command'), seq: seq === null ? null : Number(seq) };
  }

  async get<R extends Route>(route: R, opts: CallOptions<R> = {}): Promise<ResponseOf<R>> {
    return (await this.call(route, opts)).body;
  }
}

export const api = new Api();
