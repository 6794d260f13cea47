import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../client';
import { buildProgram } from '../main';

/**
 * The checks `update start` makes before any request (reference §7.7). The URL points at a closed port: a request
 * would fail with exit code 3, so these failing with their own message shows no request was sent.
 */
async function updateStart(...args: string[]): Promise<CliError | undefined> {
  const program = buildProgram(() => undefined);
  try {
    await program.parseAsync(['node', 'marshal', '--url', 'http://127.0.0.1:9', '--name', 'hello-world', 'update', 'start', ...args]);
    return undefined;
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
}

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'marshal-cli-')), 'options.json');
  writeFileSync(path, content);
  return path;
}

describe('marshal update start: option file errors (reference §7.7)', () => {
  it('neither --options nor --package → usage error, no request', async () => {
    expect(await updateStart()).toMatchObject({ exitCode: 2, message: 'Either --options and/or --package must be specified' });
  });

  it('an options path that does not exist', async () => {
    expect(await updateStart('--options', '/nonexistent/options.json')).toMatchObject({
      exitCode: 2,
      message: "Failed to read specified options file /nonexistent/options.json: ENOENT: no such file or directory, open '/nonexistent/options.json'",
    });
  });

  it.each([
    ['empty', ''],
    ['truncated', '{"hello": {"cpus": 0.2'],
  ])('an %s options file', async (_what, content) => {
    expect(await updateStart('--options', file(content))).toMatchObject({
      exitCode: 2,
      message: `Failed to parse JSON in provided options: unexpected end of JSON input\nContent (${content.length} bytes): ${content}`,
    });
  });

  it('an options file that is not a JSON object', async () => {
    const path = file('[1, 2]');
    expect(await updateStart('--options', path)).toMatchObject({ exitCode: 2, message: `Options file ${path} must hold a JSON object, not an array` });
  });

  it('--dry-run with --wait is a usage error, no request', async () => {
    expect(await updateStart('--options', file('{}'), '--dry-run', '--wait')).toMatchObject({ exitCode: 2, message: '--dry-run starts nothing to --wait for' });
  });

  it('a valid options file gets as far as the request (the gateway is unreachable here)', async () => {
    expect(await updateStart('--options', file('{"hello": {"cpus": 0.2}}'))).toMatchObject({ exitCode: 3 });
  });
});
