import { CliError } from '../client';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--at` as an operator writes it, made into what the gateway takes (a log sequence or an ISO-8601 instant):
 * `231` or `#231` (a sequence, as `marshal events` lists it); `5m`, `90s`, `2h`, `"5 minutes ago"` (before `now`);
 * an ISO time with its zone; or a local date-time (`2026-12-07 19:30`, `2026-12-07T19:30:15`) or time of day
 * (`19:30`, today), read in this machine's time zone.
 */
export function pointInTime(when: string, now: Date): string {
  const text = when.trim();
  const seq = /^#?(\d+)$/.exec(text);
  if (seq) return seq[1];
  const rel = /^(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)(?:\s+ago)?$/i.exec(text);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNITS[rel[2][0].toLowerCase()]).toISOString();
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    const t = new Date(text);
    if (!Number.isNaN(t.getTime())) return t.toISOString();
  }
  const local = /^(?:(\d{4})-(\d{2})-(\d{2})[ T])?(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text) ?? /^(\d{4})-(\d{2})-(\d{2})()()()$/.exec(text);
  if (local) {
    const [, y, mo, d, h, mi, s] = local;
    const t = y
      ? new Date(Number(y), Number(mo) - 1, Number(d), Number(h || 0), Number(mi || 0), Number(s || 0))
      : new Date(now.getFullYear(), now.getMonth(), now.getDate(), Number(h), Number(mi), Number(s || 0));
    if (!Number.isNaN(t.getTime())) return t.toISOString();
  }
  throw new CliError(
    `--at ${when}: expected a log sequence (231 or #231), a duration ago (5m, 2h, "5 minutes ago"), an ISO-8601 time (2026-12-07T19:30:00Z) or a local time (2026-12-07 19:30, 19:30)`,
    2,
  );
}
