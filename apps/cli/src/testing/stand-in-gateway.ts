import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** An HTTP server in place of the gateway: `answer` decides each reply from the request (and its index). */
export async function standInGateway(answer: (req: Seen, n: number) => Reply): Promise<StandInGateway> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', body: data };
      seen.push(r);
      const [status, body, headers = {}] = answer(r, seen.length - 1);
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
