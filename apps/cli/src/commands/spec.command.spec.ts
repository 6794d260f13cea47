import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../client';
import { buildProgram } from '../main';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'libs', 'spec', 'fixtures');
const DCOS = join(FIXTURES, 'dcos');
const UNIVERSE = join(DCOS, 'universe');
const EXAMPLE = join(__dirname, '..', '..', '..', '..', 'examples', 'hello-world');

/** Runs the real command line; stdout is collected, stderr (warnings) discarded. */
async function marshal(...args: string[]): Promise<{ out: string; error?: CliError }> {
  let out = '';
  const program = buildProgram((s) => (out += s));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'marshal', ...args]);
    return { out };
  } catch (e) {
    if (e instanceof CliError) return { out, error: e };
    throw e;
  } finally {
    stderr.mockRestore();
  }
}

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'marshal-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

describe('marshal spec validate (offline)', () => {
  it('a helloworld svc.yml with --package universe takes the environment from the package defaults and is valid', async () => {
    const r = await marshal('spec', 'validate', join(DCOS, 'helloworld', 'svc.yml'), '--package', UNIVERSE);
    expect(r.error).toBeUndefined();
    expect(r.out).toBe(`${join(DCOS, 'helloworld', 'svc.yml')}: valid (service hello-world; pods hello ×1, world ×2)\n`);
  });

  it('a package directory is valid on its own', async () => {
    expect(await marshal('spec', 'validate', EXAMPLE)).toEqual({ out: `${EXAMPLE}: valid (service hello-world; pods hello ×1)\n` });
  });

  it.each([
    ['invalid-duplicate-port-names.yml', 'pods: Service has duplicate advertised ports across tasks: [across-pods, across-tasks, in-resource-set]'],
    ['invalid-task-kill-grace-period-seconds.yml', 'pods.pod-type.tasks.meta-data-task.kill-grace-period: taskKillGracePeriodSeconds cannot be less than 0: -1'],
    ['invalid-duplicate-count.yml', expect.stringContaining("Duplicate field 'count'")],
  ])('%s exits 1 naming the path and the reason', async (file, line) => {
    const r = await marshal('spec', 'validate', join(DCOS, 'sdk-fixtures', file));
    expect(r.error).toMatchObject({ exitCode: 1 });
    expect(r.error?.message.split('\n')).toContainEqual(line);
  });

  it('lists every error of every input, each line prefixed with its file, and the valid ones on stdout', async () => {
    const good = join(DCOS, 'sdk-fixtures', 'valid-minimal.yml');
    const bad = join(DCOS, 'sdk-fixtures', 'invalid-volume-and-volumes.yml');
    const r = await marshal('spec', 'validate', good, bad);
    expect(r.out).toBe(`${good}: valid (service hello-world; pods pod-type ×1)\n`);
    expect(r.error?.message).toMatch(new RegExp(`^${bad}: pods\\.pod-type\\.tasks\\.meta-data-task: Both 'volume' and 'volumes' may not be specified at the same time`));
  });

  it('--json reports validity, errors and warnings, and still exits 1 when invalid', async () => {
    const r = await marshal('spec', 'validate', join(DCOS, 'sdk-fixtures', 'invalid-image-null.yml'), '--json');
    expect(r.error).toMatchObject({ exitCode: 1, message: '' });
    expect(JSON.parse(r.out)).toMatchObject({ valid: false, errors: [{ path: 'pods.server.image', message: expect.any(String) }] });
  });
});

describe('marshal spec render (offline)', () => {
  it('prints the normalized spec as key-sorted JSON, with the options given merged over the package defaults', async () => {
    const options = join(tempDir({ 'o.json': '{"hello": {"count": 3}}' }), 'o.json');
    const r = await marshal('spec', 'render', join(DCOS, 'helloworld', 'simple.yml'), '--package', UNIVERSE, '--options', options);
    const spec = JSON.parse(r.out);
    expect(spec).toMatchObject({ name: 'hello-world', pods: [{ type: 'hello', count: 3 }] });
    expect(r.out.split('\n').slice(0, 3)).toEqual(['{', '  "name": "hello-world",', '  "plans": [],']);
  });

  it('a bare svc.yml renders with --env and --env-file, and reads its config templates from its own directory', async () => {
    const dir = tempDir({
      'svc.yml': [
        'name: {{NAME}}',
        'pods:',
        '  web:',
        '    count: {{COUNT}}',
        '    tasks:',
        '      server:',
        '        goal: RUNNING',
        '        cmd: ./server',
        '        cpus: 0.5',
        '        configs:',
        '          site:',
        '            template: site.conf.mustache',
        '            dest: conf/site.conf',
        '',
      ].join('\n'),
      'site.conf.mustache': 'listen {{PORT}}\n',
      'web.env': '# the web service\nNAME=web\n\nCOUNT=1\n',
    });
    const r = await marshal('spec', 'render', join(dir, 'svc.yml'), '--env-file', join(dir, 'web.env'), '--env', 'COUNT=2');
    expect(r.error).toBeUndefined();
    const spec = JSON.parse(r.out);
    expect(spec).toMatchObject({ name: 'web', pods: [{ type: 'web', count: 2 }] });
    expect(spec.pods[0].tasks[0].configs).toEqual([{ name: 'site', templatePath: 'site.conf.mustache', template: 'listen {{PORT}}\n', dest: 'conf/site.conf' }]);
  });

  it('a missing config template is an error naming the path', async () => {
    const dir = tempDir({ 'svc.yml': 'name: x\npods:\n  p:\n    count: 1\n    tasks:\n      t:\n        goal: RUNNING\n        cmd: c\n        cpus: 1\n        configs:\n          c:\n            template: nope.mustache\n            dest: d\n' });
    const r = await marshal('spec', 'render', join(dir, 'svc.yml'));
    expect(r.error?.message).toBe("pods.p.tasks.t.configs.c.template: Config template file 'nope.mustache' was not found in the package (FileNotFoundException)");
  });

  it('--strict makes missing template values errors (reference §4.9 strict mode)', async () => {
    const file = join(DCOS, 'helloworld', 'simple.yml');
    expect((await marshal('spec', 'render', file, '--env', 'FRAMEWORK_NAME=x')).error?.message).not.toMatch(/Missing \d+ values/);
    const strict = await marshal('spec', 'render', file, '--env', 'FRAMEWORK_NAME=x', '--strict');
    expect(strict.error?.message).toMatch(/^simple\.yml: Missing 6 values when rendering simple\.yml:/);
  });

  it('errors about the svc.yml given with --package are reported under its own name', async () => {
    const dir = tempDir({ 'broken.yml': 'name: {{FRAMEWORK_NAME}}\n{{#X}}\n' });
    const r = await marshal('spec', 'render', join(dir, 'broken.yml'), '--package', UNIVERSE);
    expect(r.error?.message).toMatch(/^broken\.yml: Mustache template error: Unclosed section "X"/);
  });

  it.each([
    ['--options without a package', [join(DCOS, 'helloworld', 'simple.yml'), '--options', join(EXAMPLE, 'config.json')], '--options needs a package: give a package directory, or a svc.yml with --package <dir>'],
    ['--package with a package directory', [EXAMPLE, '--package', UNIVERSE], `${EXAMPLE} is a package directory already; --package goes with a svc.yml file`],
    ['an --env without =', [EXAMPLE, '--env', 'JUSTANAME'], "--env: expected K=V, got 'JUSTANAME'"],
    ['a source that does not exist', ['/nonexistent/svc.yml'], '/nonexistent/svc.yml does not exist'],
  ])('bad usage: %s exits 2', async (_what, args, message) => {
    expect((await marshal('spec', 'render', ...args)).error).toMatchObject({ exitCode: 2, message });
  });
});
