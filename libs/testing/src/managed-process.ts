import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** stdout and stderr are appended here. */
  logFile: string;
}

/** A service process the harness (or `npm start`) owns: start, SIGTERM, SIGKILL, restart. */
export class ManagedProcess {
  private child?: ChildProcess;
  private log?: WriteStream;
  private exitWaiters: (() => void)[] = [];
  /** Set by stop() and kill(): an exit we asked for is not a failure. */
  private asked = false;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** It was started and has exited without being asked to (crashed, or refused to start): how it ended. */
  get exitedUnasked(): string | undefined {
    const c = this.child;
    if (!c || this.running || this.asked) return undefined;
    return c.signalCode ? `killed by ${c.signalCode}` : `exited with code ${c.exitCode}`;
  }

  start(): void {
    if (this.running) return;
    this.asked = false;
    mkdirSync(dirname(this.spec.logFile), { recursive: true });
    this.log = createWriteStream(this.spec.logFile, { flags: 'a' });
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    child.once('exit', () => {
      const waiters = this.exitWaiters;
      this.exitWaiters = [];
      waiters.forEach((w) => w());
    });
    this.child = child;
  }

  private waitExit(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** SIGKILL: a crash. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.asked = true;
    const exited = this.waitExit();
    this.child?.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM, then SIGKILL after the grace period. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.asked = true;
    const exited = this.waitExit();
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }
}
