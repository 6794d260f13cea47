import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { root } from './support';

const run = promisify(execFile);
const DCOS = join(root, 'libs', 'spec', 'fixtures', 'dcos');

/** The real `marshal` binary with no server anywhere: `spec validate` is offline. */
async function marshal(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'apps', 'cli', 'dist', 'main.js'), '--url', 'http://127.0.0.1:9', ...args]);
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

/** reference §9.12 "All dist YAMLs build": the environment some examples need beyond the package's defaults. */
const EXTRA_ENV = [
  'HELLO_SECRET1=hello-world/secret1',
  'HELLO_SECRET2=hello-world/secret2',
  'WORLD_SECRET1=hello-world/secret1',
  'WORLD_SECRET2=hello-world/secret2',
  'WORLD_SECRET3=hello-world/secret3',
  'DEPLOY_STRATEGY=serial',
  'DEPLOY_STEPS=[[first, second, third]]',
  'HELLO_VOLUME_PROFILE=xfs',
  'HELLO_LABELS=label1:label-value1',
  // The universe package's resource.json leaves the JRE URL to the package build; tls.yml fetches it.
  'JAVA_URI=https://downloads.example.com/java/jre-8u212-linux-x64.tar.gz',
];

describe('marshal spec validate, offline, as a real process', () => {
  it('every helloworld example validates with the universe package: exit 0', async () => {
    const examples = readdirSync(join(DCOS, 'helloworld')).sort().map((f) => join(DCOS, 'helloworld', f));
    const r = await marshal('spec', 'validate', ...examples, '--package', join(DCOS, 'universe'), ...EXTRA_ENV.flatMap((e) => ['--env', e]));
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(examples.map((f) => expect.stringMatching(new RegExp(`^${f}: valid \\(service `))));
  });

  it('an invalid fixture exits non-zero naming the path and the reason', async () => {
    const r = await marshal('spec', 'validate', join(DCOS, 'sdk-fixtures', 'invalid-task-kill-grace-period-seconds.yml'));
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe('pods.pod-type.tasks.meta-data-task.kill-grace-period: taskKillGracePeriodSeconds cannot be less than 0: -1\n');
  });
});
