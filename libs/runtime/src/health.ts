import { createServer, type Server } from 'node:http';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  details: Record<string, unknown>;
}
export type HealthCheck = () => Promise<HealthReport> | HealthReport;

/** `GET /healthz` on the given port: 200 when ok, 503 otherwise, with the report as JSON. */
export function startHealthServer(port: number, check: HealthCheck): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/healthz') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    Promise.resolve()
      .then(check)
      .then(
        (r) => res.writeHead(r.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(r)),
        (e: unknown) =>
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'down', details: { error: String(e) } })),
      );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}
