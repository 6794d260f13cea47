import { readFileSync } from 'node:fs';
import { Agent, fetch, type Dispatcher, type Response } from 'undici';
import { pathMatchesRoute, splitRoute, type ErrorBody, type HttpBodyOf, type HttpResponseOf, type HttpRoute } from '@marshal/contracts';

/** Errors the CLI prints; `exitCode` tells the shell what kind of failure it was. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface ClientOptions {
  url: string;
  token?: string;
  verbose?: boolean;
  /** A PEM file of the certificate authority that signed an https gateway's certificate (else the system's CAs). */
  ca?: string;
  /** Told the id of each operator command the gateway carried out (`X-Marshal-Command`). */
  onCommand?: (commandId: string) => void;
}

export interface HttpResult {
  status: number;
  body: string;
  /** The log sequence a write produced (`X-Marshal-Seq`), for reading one's own write. */
  seq?: number;
  json<T = unknown>(): T;
}

/** The answer of a route of the catalogue: its body read as the type the gateway declares for it. */
export interface RouteResult<R extends HttpRoute> extends HttpResult {
  reply(): HttpResponseOf<R>;
}

/** A thin HTTP client of the gateway, with the original CLI's error handling (reference §7.1). */
export class GatewayClient {
  private dispatcher: Dispatcher | undefined;

  constructor(private readonly o: ClientOptions) {}

  /** The connection pool trusting `--ca`, made on first use so commands that make no call never read the file. */
  private connections(): Dispatcher | undefined {
    if (!this.o.ca || this.dispatcher) return this.dispatcher;
    let ca: Buffer;
    try {
      ca = readFileSync(this.o.ca);
    } catch (e) {
      throw new CliError(`--ca ${this.o.ca}: cannot read the certificate authority file (${(e as Error).message})`, 2);
    }
    this.dispatcher = new Agent({ connect: { ca } });
    return this.dispatcher;
  }

  async call(method: string, path: string, body?: unknown, accept: (status: number) => boolean = (s) => s >= 200 && s < 300): Promise<HttpResult> {
    const url = `${this.o.url.replace(/[/#]+$/, '')}/${path.replace(/^\/+/, '')}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.o.token) headers['authorization'] = `Bearer ${this.o.token}`;
    if (this.o.verbose) process.stderr.write(`> ${method} ${url}\n`);
    const dispatcher = this.connections();
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), ...(dispatcher ? { dispatcher } : {}) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      if (TLS_TRUST_ERRORS.has(cause)) {
        throw new CliError(
          `The certificate of the Marshal gateway at ${this.o.url} is not trusted (${cause}): give the certificate authority that signed it with --ca <file> or MARSHAL_CA.`,
          3,
        );
      }
      throw new CliError(`Could not reach the Marshal gateway at ${this.o.url} (${cause}). Is it running? Set --url or MARSHAL_URL.`, 3);
    }
    const text = await res.text();
    if (this.o.verbose) process.stderr.write(`< ${res.status} ${text.slice(0, 2000)}\n`);
    const seq = res.headers.get('x-marshal-seq');
    const commandId = res.headers.get('x-marshal-command');
    if (commandId && accept(res.status)) this.o.onCommand?.(commandId);
    const result: HttpResult = { status: res.status, body: text, json: <T>() => JSON.parse(text) as T, ...(seq && /^\d+$/.test(seq) ? { seq: Number(seq) } : {}) };
    if (accept(res.status)) return result;
    throw httpError(method, url, res.status, text);
  }

  /**
   * A call of one route of the HTTP catalogue (`@marshal/contracts`): its body is checked against the route's type at
   * compile time, its answer read as the route's type, and the path must be one of the route's.
   */
  async route<R extends HttpRoute>(route: R, path: string, body?: HttpBodyOf<R>, accept?: (status: number) => boolean): Promise<RouteResult<R>> {
    // A path that is not the route's would be read as the wrong type: a bug of the CLI, not of its user.
    if (!pathMatchesRoute(route, path)) throw new Error(`${path} is not a path of ${route}`);
    const res = await this.call(splitRoute(route)[0], path, body, accept);
    return { ...res, reply: () => res.json<HttpResponseOf<R>>() };
  }
}

/** Node's codes for a server certificate no trusted authority vouches for. */
const TLS_TRUST_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

function httpError(method: string, url: string, status: number, body: string): CliError {
  let detail = body.trim();
  try {
    const j = JSON.parse(body) as Partial<ErrorBody>;
    if (j.message) detail = j.message + (j.details?.length ? '\n' + j.details.map((d) => `  ${d.path}: ${d.message}`).join('\n') : '');
  } catch {
    /* plain text body */
  }
  // The gateway's hint names HTTP paths; a CLI user names the service with --name.
  const several = /^Several services are installed \(([^)]*)\)/.exec(detail);
  if (status === 400 && several) return new CliError(`Several services are installed (${several[1]}): choose one with --name or MARSHAL_SERVICE`, 2);
  switch (status) {
    case 401:
      return new CliError(`Not authenticated: ${detail || 'missing or bad token'}. Set --token or MARSHAL_TOKEN.`, 4);
    case 403:
      return new CliError(`Not allowed: ${detail || 'your token lacks the role for this'}.`, 4);
    case 404:
      return new CliError(detail || `Not found: ${method} ${url}`, 5);
    case 500:
    case 502:
    case 503:
      return new CliError(`The gateway could not complete the request (${status})${detail ? `: ${detail}` : ''}. It may still be starting.`, 3);
    default:
      return new CliError(`HTTP ${method} Query for ${url} failed: ${status}${detail ? `\nResponse: ${detail}` : ''}`, 1);
  }
}
