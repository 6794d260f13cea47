import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK = 'agent.lock';

/** Is `pid` a live agent process? A pid gone, or reused by another program, held a stale lock. */
export function agentAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: alive, but another user's process.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('agent');
  } catch {
    return true; // no /proc (not Linux): trust the pid
  }
}

function holder(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Two agent processes with one id on one work dir: the second is refused, the first's tasks stay untouched. */
export class AgentIdInUse extends Error {
  constructor(
    readonly agentId: string,
    readonly workDir: string,
    readonly pid: number,
  ) {
    super(
      `agent ${agentId} is already running on ${workDir} (pid ${pid}); a second agent with the same id would take over ` +
        `and lose its tasks. Stop that one first, or give this one another --id (AGENT_ID).`,
    );
  }
}

/**
 * Takes `<workDir>/agent.lock` for this process (O_EXCL, the pid inside). A lock of a live other agent process is
 * refused with AgentIdInUse; a stale one (its process gone) is replaced. Returns the release function.
 */
export function lockWorkDir(agentId: string, workDir: string, pid = process.pid, alive: (pid: number) => boolean = agentAlive): () => void {
  const file = join(workDir, LOCK);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw e;
    }
    const held = holder(file);
    if (held !== undefined && held !== pid && alive(held)) throw new AgentIdInUse(agentId, workDir, held);
    try {
      unlinkSync(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return () => {
    if (holder(file) === pid) unlinkSync(file);
  };
}
