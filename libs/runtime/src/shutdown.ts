import type { Logger } from './logging';

type Closer = () => Promise<void> | void;

/**
 * Clean shutdown on SIGTERM/SIGINT: runs the registered closers in reverse order, then exits 0. A second signal, or
 * closers taking longer than the grace period, exits at once.
 */
export class Shutdown {
  private readonly closers: { name: string; close: Closer }[] = [];
  private stopping = false;

  constructor(
    private readonly log: Logger,
    private readonly graceMs = 15_000,
  ) {}

  add(name: string, close: Closer): void {
    this.closers.push({ name, close });
  }

  listen(): void {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.stopping) {
        this.log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      void this.run(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  async run(reason: string): Promise<void> {
    this.stopping = true;
    this.log.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      this.log.error({ graceMs: this.graceMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, this.graceMs);
    timer.unref();
    for (const c of [...this.closers].reverse()) {
      try {
        await c.close();
      } catch (e) {
        this.log.warn({ err: e, closer: c.name }, 'error while closing');
      }
    }
    this.log.info({}, 'stopped');
    process.exit(0);
  }
}
