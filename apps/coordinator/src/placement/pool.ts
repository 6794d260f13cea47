/** Runs `work` over `items` with at most `limit` at once; resolves when all are done (errors are the work's own). */
export async function runPool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  });
  await Promise.all(workers);
}

/** A queue of async jobs run `limit` at a time, fed while it runs; `drained()` resolves once all jobs so far ended. */
export class WorkQueue {
  private running = 0;
  private readonly waiting: (() => Promise<void>)[] = [];
  private idle: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  push(job: () => Promise<void>): void {
    this.waiting.push(job);
    this.pump();
  }

  drained(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const job = this.waiting.shift() as () => Promise<void>;
      this.running++;
      void job()
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.waiting.length === 0) {
            const idle = this.idle;
            this.idle = [];
            idle.forEach((r) => r());
          }
        });
    }
  }
}
