import { readdirSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Kills every process whose working directory is below `dir` (Linux /proc): the tasks agents left running in their
 * sandboxes (tasks outlive their agent on purpose, so tests and `npm start -- --reset` must clean them up).
 */
export function killProcessesUnder(dir: string, signal: NodeJS.Signals = 'SIGKILL'): number {
  const root = resolve(dir) + '/';
  let killed = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    if ((cwd + '/').startsWith(root)) {
      try {
        process.kill(Number(pid), signal);
        killed += 1;
      } catch {
        /* already gone */
      }
    }
  }
  return killed;
}
