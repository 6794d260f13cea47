/**
 * Errors the runner does not expect but can live with (a /proc file unreadable for a reason other than the process
 * being gone, a signal refused for a reason other than the process having ended): never swallowed, always said and
 * counted. The agent routes them to its log and the `marshal_agent_unexpected_errors_total` metric
 * (`setUnexpectedErrorSink`); until then they go to stderr.
 */
export type UnexpectedErrorSink = (where: string, err: unknown, detail: Record<string, unknown>) => void;

let sink: UnexpectedErrorSink = (where, err) => {
  process.stderr.write(`agent: unexpected error in ${where}: ${err instanceof Error ? err.message : String(err)}\n`);
};

export function setUnexpectedErrorSink(next: UnexpectedErrorSink): void {
  sink = next;
}

/**
 * Says and counts an error that was not expected where it happened; the caller carries on. `where` is a fixed phrase
 * (it labels the metric); what varies goes in `detail`.
 */
export function unexpectedError(where: string, err: unknown, detail: Record<string, unknown> = {}): void {
  try {
    sink(where, err, detail);
  } catch (e) {
    process.stderr.write(`agent: the unexpected-error sink failed: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

/** Whether `e` is a system error with one of `codes` (ENOENT, ESRCH, …): the expected ways a look can fail. */
export function isErrno(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && 'code' in e && codes.includes(String((e as { code: unknown }).code));
}
