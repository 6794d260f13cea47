import type { TaskInfo } from '@marshal/contracts';
import { taskInfo } from '../testing/task-info';
import { invalidTaskReason, prlimitArgs, renderConfigTemplate, taskEnvironment, volumeDir } from './sandbox';

const base: TaskInfo = taskInfo({ taskId: 'svc__hello-0-server__1', configId: 'cfg', env: {}, resources: { cpus: 1, memory: 1, disk: 0, gpus: 0 } });
const vol = (path: string, persistenceId = 'p') => ({ path, type: 'ROOT' as const, size: 1, persistenceId, podLevel: false });
const cfg = (name: string, dest: string) => ({ name, templatePath: 't', template: '', dest });

describe('invalidTaskReason', () => {
  it.each<[string, Partial<TaskInfo>, string | undefined]>([
    ['a well-formed task', { volumes: [vol('data')], configs: [cfg('c', 'etc/c.conf')] }, undefined],
    ['a task id with a slash', { taskId: 'a/b' }, "taskId 'a/b' cannot name a sandbox directory"],
    ['a nested volume path', { volumes: [vol('a/b')] }, "volumes[0].path 'a/b' must be a single path segment"],
    ['two volumes at one path', { volumes: [vol('d', 'p1'), vol('d', 'p2')] }, "volumes[1].path 'd' is used by two volumes"],
    ['a persistence id of ..', { volumes: [vol('d', '..')] }, "volumes[0].persistenceId '..' cannot name a directory"],
    ['a config dest outside the sandbox', { configs: [cfg('c', '../x')] }, "configs[0].dest '../x' must be a path inside"],
    ['an absolute config dest', { configs: [cfg('c', '/etc/passwd')] }, "configs[0].dest '/etc/passwd' must be a path inside"],
    ['an unknown rlimit', { rlimits: [{ name: 'RLIMIT_NONSENSE', soft: 1, hard: 1 }] }, "rlimits[0].name 'RLIMIT_NONSENSE' is not one of"],
    ['a soft limit above the hard one', { rlimits: [{ name: 'RLIMIT_NOFILE', soft: 9, hard: 1 }] }, 'soft 9 must not exceed hard 1'],
    ['only a soft limit', { rlimits: [{ name: 'RLIMIT_NOFILE', soft: 9 }] }, 'must set both soft and hard, or neither'],
  ])('%s', (_name, overrides, expected) => {
    const reason = invalidTaskReason({ ...base, ...overrides });
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toContain(expected);
  });
});

describe('prlimitArgs', () => {
  it('maps Mesos rlimit names to prlimit options, -1 and absent values to unlimited', () => {
    expect(
      prlimitArgs({
        ...base,
        rlimits: [
          { name: 'RLIMIT_NOFILE', soft: 128000, hard: 128000 },
          { name: 'RLIMIT_CORE', soft: -1, hard: -1 },
          { name: 'RLIMIT_STACK' },
        ],
      }),
    ).toEqual(['--nofile=128000:128000', '--core=unlimited:unlimited', '--stack=unlimited:unlimited']);
  });
});

describe('renderConfigTemplate (the SDK bootstrap rules)', () => {
  it.each([
    ['substitutes env values without HTML escaping', '{{A}}-{{{A}}}', { A: '<x & "y">' }, '<x & "y">-<x & "y">'],
    ['renders a missing value as empty', '[{{MISSING}}]', {}, '[]'],
    ['treats "false" in any case as false in sections', '{{#F}}yes{{/F}}{{^F}}no{{/F}}', { F: 'FALSE' }, 'no'],
    ['passes "false" through as a value', '{{F}}', { F: 'false' }, 'false'],
    ['treats other values as true in sections', '{{#T}}yes{{/T}}', { T: 'true' }, 'yes'],
  ])('%s', (_name, template, env, expected) => {
    expect(renderConfigTemplate(template, env)).toBe(expected);
  });
});

describe('task environment and volume places', () => {
  it('adds MESOS_SANDBOX and a default PATH, letting the sandbox win over the TaskInfo', () => {
    const env = taskEnvironment({ ...base, env: { FOO: 'bar', MESOS_SANDBOX: 'wrong' } }, '/w/sandboxes/x');
    expect(env).toMatchObject({ FOO: 'bar', MESOS_SANDBOX: '/w/sandboxes/x', MESOS_TASK_ID: base.taskId });
    expect(env['PATH']).toContain('/usr/bin');
    expect(taskEnvironment({ ...base, env: { PATH: '/opt/bin' } }, '/s')['PATH']).toBe('/opt/bin');
  });

  it('keeps ROOT volumes under the work dir and MOUNT volumes under their mount root', () => {
    expect(volumeDir('/w', vol('data', 'p1'))).toBe('/w/volumes/p1');
    expect(volumeDir('/w', { ...vol('data', 'p2'), type: 'MOUNT', mountRoot: '/mnt/d1' })).toBe('/mnt/d1/p2');
  });
});
