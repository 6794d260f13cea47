import type { AdoptResult, CheckResult, ExitResult, LaunchSpec, Launcher, StrayProcess, TaskProcess } from './launcher';

export interface SimulatedLauncherOptions {
  /** Time from launch to TASK_RUNNING, and from TASK_RUNNING to the exit of a task that ends on its own. */
  startLatencyMs: number;
  /** Probability (0…1) that a task exits with status 1 instead of behaving. */
  failureRate: number;
  random: () => number;
}

const SIGNAL_STATUS = { SIGTERM: 128 + 15, SIGKILL: 128 + 9 } as const;

/**
 * Runs no process at all, so one agent process can host thousands of virtual tasks for scale tests: a task "runs"
 * after the latency, then fails with the configured probability, finishes if its goal is FINISH or ONCE, and
 * otherwise runs until killed. Checks always pass. Nothing outlives the runner.
 */
export class SimulatedLauncher implements Launcher {
  constructor(private readonly opts: SimulatedLauncherOptions) {
    if (!(opts.failureRate >= 0 && opts.failureRate <= 1)) {
      throw new Error(`SimulatedLauncher: failureRate must be between 0 and 1, got ${opts.failureRate}`);
    }
    if (!(opts.startLatencyMs >= 0)) {
      throw new Error(`SimulatedLauncher: startLatencyMs must be >= 0, got ${opts.startLatencyMs}`);
    }
  }

  launch(spec: LaunchSpec): TaskProcess {
    const fails = this.opts.random() < this.opts.failureRate;
    const endsAlone = fails || spec.task.goal !== 'RUNNING';
    return new SimulatedProcess(this.opts.startLatencyMs, endsAlone ? (fails ? 1 : 0) : undefined);
  }

  findLaunched(): undefined {
    return undefined;
  }

  async adopt(): Promise<AdoptResult> {
    return { exit: { lost: 'simulated tasks do not survive their runner' } };
  }

  async runCheck(): Promise<CheckResult> {
    return { exitCode: 0, timedOut: false, output: '' };
  }

  async endStrays(): Promise<StrayProcess[]> {
    return [];
  }
}

class SimulatedProcess implements TaskProcess {
  readonly handle = undefined;
  readonly started: Promise<boolean>;
  readonly exited: Promise<ExitResult>;
  private resolveStarted!: (v: boolean) => void;
  private resolveExited!: (r: ExitResult) => void;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ended = false;

  constructor(
    private readonly latencyMs: number,
    private readonly exitCode: number | undefined,
  ) {
    this.started = new Promise((r) => (this.resolveStarted = r));
    this.exited = new Promise((r) => (this.resolveExited = r));
    this.timer = setTimeout(() => this.start(), latencyMs);
  }

  signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.ended) return;
    if (!this.running) this.resolveStarted(false);
    this.end(SIGNAL_STATUS[signal]);
  }

  release(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private start(): void {
    if (this.ended) return;
    this.running = true;
    this.resolveStarted(true);
    const code = this.exitCode;
    if (code !== undefined) this.timer = setTimeout(() => this.end(code), this.latencyMs);
  }

  private end(exitCode: number): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.resolveExited({ exitCode });
  }
}
