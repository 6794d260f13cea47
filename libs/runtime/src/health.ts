import { createServer, type Server } from 'node:http';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  details: Record<string, unknown>;
}
export type HealthCheck = () => Promise<HealthReport> | HealthReport;
/** Prometheus exposition of a service's own metrics (prom-client's `register.metrics()` and `contentType`). */
export type MetricsSource = () => Promise<{ contentType: string; body: string }>;

/**
 * `GET /healthz` on the given port: 200 when ok or degraded (serving, with parked events to look at), 503 when down,
 * with the report as JSON; and `GET /metrics` when the service has metrics.
 */
export function startHealthServer(port: number, check: HealthCheck, metrics?: MetricsSource): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/metrics' && metrics) {
      metrics().then(
        (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
        (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e)),
      );
      return;
    }
    if (req.method !== 'GET' || path !== '/healthz') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    Promise.resolve()
      .then(check)
      .then(
        (r) => res.writeHead(r.status === 'down' ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(r)),
        (e: unknown) =>
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'down', details: { error: String(e) } })),
      );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}
