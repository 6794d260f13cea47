import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './free-port';

export interface NatsServerHandle {
  url: string;
  port: number;
  storeDir: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store (after kill or stop). */
  start(): Promise<void>;
  /** Stops it, and deletes its store unless the caller chose the store directory. */
  stop(): Promise<void>;
}

/** Starts a `nats-server -js` of the test's own on a free loopback port with a throw-away store. */
export async function startNatsServer(
  opts: { port?: number; storeDir?: string; binary?: string; /** Bytes per message (server default 1 MiB). */ maxPayload?: number } = {},
): Promise<NatsServerHandle> {
  const port = opts.port ?? (await freePort());
  const ownStore = !opts.storeDir;
  const storeDir = opts.storeDir ?? mkdtempSync(join(tmpdir(), 'marshal-nats-'));
  const binary = opts.binary ?? process.env['NATS_SERVER_BIN'] ?? 'nats-server';
  let child: ChildProcess | undefined;
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir];
  let confDir: string | undefined;
  if (opts.maxPayload !== undefined) {
    // max_payload has no command-line flag; a config file holding only it leaves every other default alone.
    confDir = mkdtempSync(join(tmpdir(), 'marshal-nats-conf-'));
    writeFileSync(join(confDir, 'nats.conf'), `max_payload: ${opts.maxPayload}\n`);
    args.push('-c', join(confDir, 'nats.conf'));
  }

  const start = async (): Promise<void> => {
    child = spawn(binary, args, { stdio: 'ignore' });
    const spawned = child;
    const exited = new Promise<never>((_, reject) =>
      spawned.once('exit', (code) => reject(new Error(`nats-server exited with code ${code} before accepting connections`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port), exited]);
  };
  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    kill: () => terminate('SIGKILL'),
    start,
    stop: async () => {
      await terminate('SIGTERM');
      if (ownStore) rmSync(storeDir, { recursive: true, force: true });
      if (confDir) rmSync(confDir, { recursive: true, force: true });
    },
  };
}
