import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentIdInUse, lockWorkDir } from './work-dir-lock';

const dir = () => mkdtempSync(join(tmpdir(), 'marshal-agent-lock-'));

describe('an agent id is held by one process (its work dir lock)', () => {
  it('refuses a second live process, naming the agent and the holder', () => {
    const d = dir();
    lockWorkDir('agent-1', d, 101, () => true);
    expect(() => lockWorkDir('agent-1', d, 202, () => true)).toThrow(AgentIdInUse);
    expect(() => lockWorkDir('agent-1', d, 202, () => true)).toThrow(`agent agent-1 is already running on ${d} (pid 101)`);
    expect(JSON.parse(readFileSync(join(d, 'agent.lock'), 'utf8'))).toEqual({ pid: 101 });
  });

  it('takes over the lock of a process that is gone (a crash)', () => {
    const d = dir();
    lockWorkDir('agent-1', d, 101, () => true);
    lockWorkDir('agent-1', d, 202, (pid) => pid !== 101);
    expect(JSON.parse(readFileSync(join(d, 'agent.lock'), 'utf8'))).toEqual({ pid: 202 });
  });

  it('takes over a lock file without a pid', () => {
    const d = dir();
    writeFileSync(join(d, 'agent.lock'), '');
    lockWorkDir('agent-1', d, 202, () => true);
    expect(JSON.parse(readFileSync(join(d, 'agent.lock'), 'utf8'))).toEqual({ pid: 202 });
  });

  it('is released by its holder only', () => {
    const d = dir();
    const release = lockWorkDir('agent-1', d, 101, () => true);
    release();
    expect(existsSync(join(d, 'agent.lock'))).toBe(false);
  });
});
