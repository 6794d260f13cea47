import { readdirSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';

export interface ProcessUnder {
  pid: number;
  /** Working directory (absolute). */
  cwd: string;
}

/** Every live process (other than this one) whose working directory is `dir` or below it (Linux /proc). */
export function processesUnder(dir: string): ProcessUnder[] {
  const root = resolve(dir) + '/';
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: ProcessUnder[] = [];
  for (const pid of entries) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    if ((cwd + '/').startsWith(root)) found.push({ pid: Number(pid), cwd });
  }
  return found;
}

/**
 * Kills every process whose working directory is below `dir`: the tasks agents left running in their sandboxes
 * (tasks outlive their agent on purpose, so tests and `npm start -- --reset` must clean them up).
 */
export function killProcessesUnder(dir: string, signal: NodeJS.Signals = 'SIGKILL'): number {
  let killed = 0;
  for (const { pid } of processesUnder(dir)) {
    try {
      process.kill(pid, signal);
      killed += 1;
    } catch {
      /* already gone */
    }
  }
  return killed;
}
