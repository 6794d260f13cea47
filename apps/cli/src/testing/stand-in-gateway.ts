import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathMatchesRoute, splitRoute, type HttpResponseOf, type HttpRoute } from '@marshal/contracts';
import { CliError } from '../client';
import { buildProgram } from '../main';

/** Test support for the CLI's unit tests (not used by the CLI itself). */

export type Reply = [status: number, body: string, headers?: Record<string, string>];

export interface Seen {
  method: string;
  url: string;
  body: string;
}

export interface StandInGateway {
  url: string;
  /** Every request, in order. */
  seen: Seen[];
  server: Server;
}

/**
 * The stand-in's JSON answer to a request of one route of the HTTP catalogue (`@marshal/contracts`): the body must be
 * of the type the real gateway's controller returns for that route, so the stand-in cannot answer what the gateway
 * never would (a compile error), and a request that is not of that route fails the test.
 */
export function routeReply<R extends HttpRoute>(req: Seen, route: R, status: number, body: HttpResponseOf<R>, headers: Record<string, string> = {}): Reply {
  const [method] = splitRoute(route);
  if (req.method !== method || !pathMatchesRoute(route, req.url)) throw new Error(`the stand-in gateway answers ${route}, but was asked ${req.method} ${req.url}`);
  return [status, JSON.stringify(body), headers];
}

/** An HTTP server in place of the gateway: `answer` decides each reply from the request (and its index). */
export async function standInGateway(answer: (req: Seen, n: number) => Reply): Promise<StandInGateway> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', body: data };
      seen.push(r);
      let reply: Reply;
      try {
        reply = answer(r, seen.length - 1);
      } catch (e) {
        // A request the test did not expect: answered 500 with why, so the CLI fails with it and so does the test.
        reply = [500, `stand-in gateway: ${(e as Error).message}`];
      }
      const [status, body, headers = {}] = reply;
      res.writeHead(status, { 'content-type': body.startsWith('{') || body.startsWith('[') ? 'application/json' : 'text/plain', ...headers }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

/** Runs `marshal --url <url> <args>` in-process: what it printed, and the error it ended with. */
export async function runCli(url: string, ...args: string[]): Promise<{ out: string; error?: CliError }> {
  let out = '';
  const program = buildProgram((s) => (out += s));
  try {
    await program.parseAsync(['node', 'marshal', '--url', url, ...args]);
    return { out };
  } catch (e) {
    if (e instanceof CliError) return { out, error: e };
    throw e;
  }
}
