import { setprivArgs, taskUser, type UserIdentity } from './task-user';

const root: UserIdentity = { name: 'root', uid: 0, gid: 0, groups: [0] };
const alice: UserIdentity = { name: 'alice', uid: 1000, gid: 1000, groups: [1000, 27] };
const nobody: UserIdentity = { name: 'nobody', uid: 65534, gid: 65534, groups: [65534] };
const users = new Map([root, alice, nobody].map((u) => [u.name, u]));
const lookup = (name: string) => users.get(name);

describe('taskUser', () => {
  const asRoot = { agent: root, defaultUser: 'nobody', allowRoot: false };
  const asAlice = { agent: alice, defaultUser: 'nobody', allowRoot: false };

  it.each([
    ['a root agent runs the named user', 'alice', asRoot, { as: alice, name: 'alice' }],
    ['a root agent runs a task naming no user as the default user', undefined, asRoot, { as: nobody, name: 'nobody' }],
    ['a root agent runs a root task (the SDK default) as the default user', 'root', asRoot, { as: nobody, name: 'nobody' }],
    ['a root agent allowed to runs a root task as root', 'root', { ...asRoot, allowRoot: true }, { as: undefined, name: 'root' }],
    ['an agent that is not root runs a task naming no user as itself', undefined, asAlice, { as: undefined, name: 'alice' }],
    ['an agent that is not root runs a root task (the SDK default) as itself', 'root', asAlice, { as: undefined, name: 'alice' }],
    ['an agent that is not root runs a task of its own user', 'alice', asAlice, { as: undefined, name: 'alice' }],
  ])('%s', (_, requested, policy, expected) => {
    expect(taskUser(requested, policy, lookup)).toEqual(expected);
  });

  it.each([
    ['another user for an agent that is not root', 'nobody', asAlice, "the task must run as user 'nobody', but the agent runs as 'alice' (not root) and can run tasks only as itself"],
    ['an unknown user', 'mallory', asRoot, "user 'mallory' does not exist on agent host"],
    ['a user with uid 0 under another name', 'toor', asRoot, "user 'toor' is root (uid 0), and this agent runs no task as root (AGENT_TASK_ALLOW_ROOT)"],
  ])('refuses %s', (_, requested, policy, error) => {
    const toor = { ...root, name: 'toor' };
    expect(taskUser(requested, policy, (n) => (n === 'toor' ? toor : lookup(n)))).toEqual({ error });
  });

  it('switches uid, gid and exactly the supplementary groups, without new privileges', () => {
    expect(setprivArgs(alice)).toEqual(['--reuid=1000', '--regid=1000', '--groups=1000,27', '--no-new-privs', '--']);
    expect(setprivArgs({ ...alice, groups: [] })).toContain('--clear-groups');
  });
});
