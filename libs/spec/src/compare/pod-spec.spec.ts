import { helloWorldPackage, readFixture, specOf } from '../../fixtures/fixtures';
import { renderPackage } from '../package/render-package';
import { podSpecChanged, taskConfigHash } from './pod-spec';

/** reference §3.8.2 step 4: what makes existing pod instances relaunch. */
describe('podSpecChanged and taskConfigHash', () => {
  const svcYml = readFixture('helloworld', 'svc.yml');
  const render = (options: Record<string, unknown> = {}, version?: string) =>
    specOf(renderPackage(helloWorldPackage(svcYml, version), { options }));
  const base = render();

  it.each([
    ['count', { hello: { count: 3 } }],
    ['placement', { hello: { placement: '[["hostname", "MAX_PER", "2"]]' } }],
  ])('a %s change does not relaunch hello', (_what, options) => {
    const next = render(options);
    expect(podSpecChanged(base, next, 'hello')).toBe(false);
    expect(taskConfigHash(next, 'hello', 'server')).toBe(taskConfigHash(base, 'hello', 'server'));
  });

  it('allow-decommission does not relaunch', () => {
    const next = structuredClone(base);
    next.pods[0].allowDecommission = true;
    expect(podSpecChanged(base, next, 'hello')).toBe(false);
    expect(taskConfigHash(next, 'hello', 'server')).toBe(taskConfigHash(base, 'hello', 'server'));
  });

  it.each([
    ['cpus', { hello: { cpus: 0.5 } }],
    ['memory', { hello: { mem: 512 } }],
    ['env (SLEEP_DURATION)', { service: { sleep: 2000 } }],
    ['rlimits', { hello: { rlimits: { rlimit_nofile: { soft: 200000, hard: 200000 } } } }],
  ])('a %s change relaunches hello', (_what, options) => {
    const next = render(options);
    expect(podSpecChanged(base, next, 'hello')).toBe(true);
    expect(taskConfigHash(next, 'hello', 'server')).not.toBe(taskConfigHash(base, 'hello', 'server'));
  });

  it('a change to world only relaunches world', () => {
    const next = render({ world: { cpus: 0.3 } });
    expect(podSpecChanged(base, next, 'world')).toBe(true);
    expect(podSpecChanged(base, next, 'hello')).toBe(false);
    expect(taskConfigHash(next, 'hello', 'server')).toBe(taskConfigHash(base, 'hello', 'server'));
  });

  it('a package upgrade relaunches every pod (TASKCFG_ALL_PACKAGE_VERSION_TO_FORCE_UPDATE)', () => {
    const next = render({}, '9.9.9');
    expect(podSpecChanged(base, next, 'hello')).toBe(true);
    expect(podSpecChanged(base, next, 'world')).toBe(true);
  });

  it('the hash is stable: same input, same hash; key order does not matter', () => {
    const again = render();
    expect(taskConfigHash(again, 'world', 'server')).toBe(taskConfigHash(base, 'world', 'server'));
    const reordered = JSON.parse(JSON.stringify(base, null, 0)) as typeof base;
    reordered.pods[1].tasks[0] = Object.fromEntries(Object.entries(reordered.pods[1].tasks[0]).reverse()) as typeof reordered.pods[1]['tasks'][0];
    expect(taskConfigHash(reordered, 'world', 'server')).toBe(taskConfigHash(base, 'world', 'server'));
    expect(taskConfigHash(base, 'world', 'server')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a pod type missing on either side counts as changed; an unknown task cannot be hashed', () => {
    const next = structuredClone(base);
    next.pods = next.pods.filter((p) => p.type !== 'world');
    expect(podSpecChanged(base, next, 'world')).toBe(true);
    expect(() => taskConfigHash(base, 'hello', 'nope')).toThrow("no task 'nope' in pod 'hello'");
  });
});
