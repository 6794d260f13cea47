/**
 * Polls until `probe` returns a value without throwing, or fails at the deadline with the last error.
 * Tests wait for state this way, never with fixed sleeps (STYLE.md "Tests").
 */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 50, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await probe();
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`${what} not reached within ${timeoutMs} ms: ${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
