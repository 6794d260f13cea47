import type { PodDelta } from '@marshal/contracts';

const MAX_VALUE = 60;

function shown(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/**
 * Typed deltas as the CLI prints them: one line per pod instance with its operation, then for a MODIFY each changed
 * setting with its value before and after, and the tasks it relaunches.
 *
 *   hello-0  MODIFY  tasks: server MODIFY
 *     resourceSets.server-resource-set.cpus: 0.1 → 0.2
 *   world-0  NOOP
 */
export function deltaLines(deltas: readonly PodDelta[]): string {
  if (deltas.length === 0) return 'No pod instances.\n';
  const width = Math.max(...deltas.map((d) => d.podInstance.length));
  const out: string[] = [];
  for (const d of deltas) {
    const changedTasks = d.tasks.filter((t) => t.operation !== 'NOOP').map((t) => `${t.task} ${t.operation}`);
    const tail = d.operation === 'MODIFY' && changedTasks.length ? `  tasks: ${changedTasks.join(', ')}` : '';
    out.push(`${d.podInstance.padEnd(width)}  ${d.operation}${tail}`);
    if (d.operation === 'MODIFY') for (const c of d.changes) out.push(`  ${c.path}: ${shown(c.before)} → ${shown(c.after)}`);
  }
  return `${out.join('\n')}\n`;
}
