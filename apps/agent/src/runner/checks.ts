import type { HealthCheckSpec, ReadinessCheckSpec } from '@marshal/contracts';
import type { CheckResult } from './launcher';

/** Checks run at most this often, whatever the interval says (an interval of 0 would otherwise spin). */
export const MIN_CHECK_INTERVAL_MS = 100;

export interface CheckLoopOptions {
  /** Time before the first run. */
  firstDelayMs: number;
  /** Time between the end of one run and the start of the next. */
  intervalMs: number;
  run(): Promise<CheckResult>;
  /** Called with each result; returning false ends the loop. */
  onResult(result: CheckResult): boolean;
}

/** Runs a check command on a schedule until told to stop. */
export class CheckLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: CheckLoopOptions) {
    this.schedule(Math.max(0, opts.firstDelayMs));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    const result = await this.opts.run();
    if (this.stopped) return;
    if (this.opts.onResult(result)) this.schedule(Math.max(MIN_CHECK_INTERVAL_MS, this.opts.intervalMs));
  }
}

export function describeCheckResult(r: CheckResult, timeoutS: number): string {
  const detail = r.output ? `: ${r.output.slice(-200)}` : '';
  if (r.timedOut) return `timed out after ${timeoutS}s${detail}`;
  if (r.exitCode === undefined) return `could not run${detail}`;
  return `exit code ${r.exitCode}${detail}`;
}

/**
 * Health bookkeeping as a Mesos COMMAND health check kept it (reference §4.4.3): failures inside the grace period
 * (counted from the task's start) do not count until a check has passed once; `maxConsecutiveFailures` counted
 * failures in a row make the task unhealthy for good.
 */
export class HealthTracker {
  consecutiveFailures = 0;
  healthy: boolean | undefined;
  private passedOnce = false;

  constructor(
    private readonly spec: HealthCheckSpec,
    private readonly startedAt: number,
  ) {}

  /** Applies one result; says whether the health changed and whether the task must now be killed. */
  record(result: CheckResult, now: number): { changed: boolean; kill: boolean; message?: string } {
    const before = this.healthy;
    if (result.exitCode === 0) {
      this.passedOnce = true;
      this.consecutiveFailures = 0;
      this.healthy = true;
      return { changed: before !== true, kill: false };
    }
    const inGrace = !this.passedOnce && now - this.startedAt < this.spec.gracePeriod * 1000;
    if (inGrace) return { changed: false, kill: false };
    this.consecutiveFailures += 1;
    this.healthy = false;
    const kill = this.consecutiveFailures >= this.spec.maxConsecutiveFailures;
    const message = kill
      ? `health check failed ${this.consecutiveFailures} consecutive time(s), last: ${describeCheckResult(result, this.spec.timeout)}`
      : undefined;
    return { changed: before !== false, kill, message };
  }
}

/** First-run delay of a check for a task that started at `startedAt`, e.g. after an agent restart. */
export function remainingDelayMs(spec: HealthCheckSpec | ReadinessCheckSpec, startedAt: number, now: number): number {
  return Math.max(0, startedAt + spec.delay * 1000 - now);
}
