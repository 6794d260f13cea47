import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './support';

describe('README', () => {
  it('lists every configuration variable the services read, as they describe themselves', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const table = /<!-- config:begin -->\n([\s\S]*?)<!-- config:end -->/.exec(readme)?.[1];
    const generated = execFileSync(process.execPath, [join(root, 'tools', 'ci', 'config-table.mjs')], { encoding: 'utf8' });
    expect(table).toBe(generated);
  });
});
