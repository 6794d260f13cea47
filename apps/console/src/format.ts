/** `12:03:04` today, or the date and time; the title attribute holds the full ISO time. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour12: false }) : d.toLocaleString([], { hour12: false });
}

/** `1m 05s`, `3h 02m` between two times (or until now). */
export function duration(fromIso: string | null | undefined, toIso?: string | null): string {
  if (!fromIso) return '';
  const ms = (toIso ? new Date(toIso).getTime() : Date.now()) - new Date(fromIso).getTime();
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A CSS class for a status word (`st-COMPLETE`), from a fixed set so a value can never name another class. */
const KNOWN = new Set(['COMPLETE', 'ERROR', 'WAITING', 'PAUSED', 'PAUSING', 'STARTING', 'STARTED', 'IN_PROGRESS', 'PREPARED', 'PENDING', 'DELAYED', 'RUNNING', 'FAILED', 'KILLED', 'LOST', 'FINISHED']);
export function statusClass(status: string | null | undefined): string {
  const s = (status ?? '').toUpperCase();
  return `status st-${KNOWN.has(s) ? s : 'OTHER'}`;
}
