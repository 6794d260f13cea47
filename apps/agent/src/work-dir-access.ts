import { chmodSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Lets tasks running as other users pass through the directories above the agent's work dir (adds o+x, never r) to
 * reach their sandboxes and volumes by absolute path (`MESOS_SANDBOX`, volume links). Only directories the agent's
 * user owns are changed; returns those it changed and those it could not (owned by someone else).
 */
export function makeWorkDirReachable(workDir: string, uid: number): { opened: string[]; blocked: string[] } {
  const opened: string[] = [];
  const blocked: string[] = [];
  let dir = resolve(workDir);
  for (;;) {
    const st = statSync(dir);
    if ((st.mode & 0o001) === 0) {
      if (st.uid === uid) {
        chmodSync(dir, (st.mode & 0o7777) | 0o001);
        opened.push(dir);
      } else blocked.push(dir);
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { opened, blocked };
}
