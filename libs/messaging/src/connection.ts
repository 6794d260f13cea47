import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from './logger';
import { silentLogger } from './logger';

export interface NatsConnectOptions {
  servers: string | string[];
  /** Shown by the server's monitoring; the service name. */
  name: string;
  /** How long to wait between reconnect attempts. */
  reconnectTimeWaitMs?: number;
}

/**
 * Connects to NATS and keeps reconnecting forever (nats.js gives up after 10 attempts by default and services must
 * not; toolchain §4). A service may start before NATS: the first connection is retried too.
 */
export async function connectNats(opts: NatsConnectOptions, log: Logger = silentLogger): Promise<NatsConnection> {
  const nc = await connect({
    servers: opts.servers,
    name: opts.name,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: opts.reconnectTimeWaitMs ?? 500,
    pingInterval: 5_000,
    maxPingOut: 3,
  });
  log.info({ server: nc.getServer() }, 'connected to NATS');
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        log.warn({ nats: s.type, server: 'server' in s ? s.server : undefined }, `NATS ${s.type}`);
      }
    }
  })();
  return nc;
}
