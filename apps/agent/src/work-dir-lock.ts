import { join } from 'node:path';
import { acquirePidLock, processAlive, releasePidLock } from '@marshal/runtime';

const LOCK = 'agent.lock';

/** Is `pid` a live agent process? A pid gone, or reused by another program, held a stale lock. */
export const agentAlive = (pid: number): boolean => processAlive(pid, 'agent');

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
 * Takes `<workDir>/agent.lock` for this process (the shared pid lock of @marshal/runtime). A lock of a live other agent
 * process is refused with AgentIdInUse; a stale one (its process gone) is replaced. Returns the release function.
 */
export function lockWorkDir(agentId: string, workDir: string, pid = process.pid, alive: (pid: number) => boolean = agentAlive): () => void {
  const file = join(workDir, LOCK);
  const r = acquirePidLock(file, { pid }, alive);
  if (!r.acquired) throw new AgentIdInUse(agentId, workDir, r.owner.pid);
  return () => releasePidLock(file, pid);
}
