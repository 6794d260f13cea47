import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

/**
 * The baselines of the gateway benchmark, in their own process like the gateway: a bare Fastify hello route, and —
 * given a file — `/plan` answering those bytes as JSON (the same body as the gateway's plan, without the gateway).
 */
const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
const file = process.argv[3];
if (file) {
  const body = readFileSync(file);
  app.get('/plan', (_req, reply) => {
    void reply.type('application/json; charset=utf-8').send(body);
  });
}
void app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' }).then(() => process.stdout.write('ready\n'));
