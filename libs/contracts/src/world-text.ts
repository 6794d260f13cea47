/** U+FFFD, what a character that cannot be stored becomes. */
const REPLACEMENT = '\uFFFD';

/** NUL (PostgreSQL's text and jsonb refuse it) and UTF-16 surrogates without their pair (not valid Unicode). */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** How long a message made of text the world produced may be; longer keeps its end, where the reason usually is. */
export const WORLD_TEXT_MAX_CHARS = 4096;

/**
 * Text the world produced (a task's output, a check's output, an exit reason) made fit for an event: NUL and lone
 * surrogates replaced by U+FFFD, and at most {@link WORLD_TEXT_MAX_CHARS} characters (the tail, marked with `…`).
 * Operator input is refused instead, never cleaned.
 */
export function sanitizeWorldText(text: string, maxChars = WORLD_TEXT_MAX_CHARS): string {
  let out = text.replace(UNSTORABLE, REPLACEMENT);
  if (out.length > maxChars) {
    out = `…${out.slice(out.length - maxChars + 1)}`;
    // Cutting may have split a pair.
    out = out.replace(UNSTORABLE, REPLACEMENT);
  }
  return out;
}
