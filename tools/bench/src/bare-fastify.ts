import Fastify from 'fastify';

/** The baseline of the gateway benchmark: a bare Fastify hello route, in its own process like the gateway. */
const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
void app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' }).then(() => process.stdout.write('ready\n'));
