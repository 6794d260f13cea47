import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configPath, readConfigFile } from './config-file';

describe('CLI config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'marshal-cli-'));
  const write = (content: string): NodeJS.ProcessEnv => {
    const file = join(dir, `c-${Math.random()}.json`);
    writeFileSync(file, content);
    return { MARSHAL_CONFIG: file };
  };

  it('is found at MARSHAL_CONFIG, else under XDG_CONFIG_HOME', () => {
    expect(configPath({ MARSHAL_CONFIG: '/x/c.json' })).toBe('/x/c.json');
    expect(configPath({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/marshal/config.json');
  });

  it('reads url, token and service; a missing file is no settings', () => {
    expect(readConfigFile(write('{"url":"http://h:1","token":"t","service":"s"}'))).toEqual({ url: 'http://h:1', token: 't', service: 's' });
    expect(readConfigFile({ MARSHAL_CONFIG: join(dir, 'absent.json') })).toEqual({});
  });

  it.each([
    ['not JSON', '{url:', /is not valid JSON/],
    ['an array', '[]', /must hold a JSON object/],
    ['an unknown field', '{"uri":"x"}', /unknown field 'uri'/],
    ['a non-string value', '{"url":3}', /'url' must be a string/],
  ])('rejects %s naming the file', (_n, content, message) => {
    const env = write(content);
    expect(() => readConfigFile(env)).toThrow(message);
    expect(() => readConfigFile(env)).toThrow(env['MARSHAL_CONFIG'] as string);
  });
});
