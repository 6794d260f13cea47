import type { Package } from '@marshal/contracts';
import { renderPackage } from './package/render-package';
import { compiledSchemaCount } from './package/package-options';
import { renderServiceYaml } from './render/render-service-yaml';
import { DEFAULT_SPEC_LIMITS, isBoundError } from './limits';

const svc = (pods: Record<string, string>) =>
  `name: svc\npods:\n${Object.entries(pods)
    .map(([type, count]) => `  ${type}:\n    count: ${count}\n    tasks:\n      server:\n        goal: RUNNING\n        cmd: echo hi\n        cpus: 0.1\n`)
    .join('')}`;

const pkg = (configJson: object, yaml = svc({ hello: '{{HELLO_COUNT}}' })): Package => ({
  name: 'bounded',
  version: '1.0.0',
  files: {
    'svc.yml': yaml,
    'config.json': JSON.stringify(configJson),
    'marathon.json.mustache': '{"id": "bounded", "env": {"HELLO_COUNT": "{{hello.count}}"}}',
  },
});
const COUNT_SCHEMA = { type: 'object', properties: { hello: { type: 'object', properties: { count: { type: 'integer', default: 1 } } } } };

describe('bounds of what a package renders into (docs/operations.md "Bounds")', () => {
  it.each([5000, 2147483647])('refuses count %d of one pod type, naming the field and the bound', (count) => {
    const r = renderPackage(pkg(COUNT_SCHEMA), { options: { hello: { count } } });
    expect(r.spec).toBeNull();
    expect(r.errors).toContainEqual({ path: 'pods.hello.count', message: `count is ${count}; a pod type may have at most 1000 instances (MAX_PODS_PER_TYPE)` });
  });

  it('refuses more pod instances in all than a service may have, even when each type is within its bound', () => {
    const r = renderServiceYaml(svc({ a: '800', b: '800', c: '800' }), {});
    expect(r.errors).toEqual([{ path: 'pods', message: 'the pods have 2400 instances in all; a service may have at most 2000 (MAX_PODS_PER_SERVICE)' }]);
  });

  it('takes its bounds as settings', () => {
    expect(renderServiceYaml(svc({ a: '5' }), {}, { limits: { maxPodsPerType: 4 } }).errors).toEqual([
      { path: 'pods.a.count', message: 'count is 5; a pod type may have at most 4 instances (MAX_PODS_PER_TYPE)' },
    ]);
    expect(renderServiceYaml(svc({ a: '5' }), {}, { limits: { maxPodsPerType: 5 } }).errors).toEqual([]);
  });

  it('refuses a svc.yml that renders into more bytes than the bound, with the size', () => {
    const yaml = `${svc({ a: '1' })}# {{BIG}}\n`;
    const r = renderServiceYaml(yaml, { BIG: 'x'.repeat(5000) }, { limits: { maxRenderedServiceYamlBytes: 4096 } });
    expect(r.errors).toEqual([{ path: 'svc.yml', message: expect.stringMatching(/^svc\.yml renders to 51\d\d bytes with these options; a rendered service YAML may be at most 4096 bytes/) }]);
    expect(renderServiceYaml(svc({ a: '1' }) + 'x'.repeat(DEFAULT_SPEC_LIMITS.maxServiceYamlBytes), {}).errors[0].message).toContain('MAX_SERVICE_YAML_BYTES');
  });

  it('matches option patterns with a linear-time engine: a catastrophic pattern answers at once', () => {
    const schema = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$', default: 'a' }, hello: COUNT_SCHEMA.properties.hello } };
    const started = Date.now();
    const r = renderPackage(pkg(schema), { options: { name: `${'a'.repeat(100_000)}b` } });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(r.errors).toEqual([{ path: '/name', message: 'must match pattern "^(a+)+$"' }]);
    expect(renderPackage(pkg(schema), { options: { name: 'aaa' } }).errors).toEqual([]);
  });

  it('refuses an option schema whose pattern is too long or not supported by the safe engine, naming it', () => {
    const long = renderPackage(pkg({ type: 'object', properties: { name: { type: 'string', pattern: 'a'.repeat(1001) } } }));
    expect(long.errors).toEqual([{ path: 'config.json', message: expect.stringContaining('/properties/name/pattern is longer than 1000 characters (MAX_SCHEMA_PATTERN_LENGTH)') }]);
    const lookahead = renderPackage(pkg({ type: 'object', properties: { name: { type: 'string', pattern: '^(?=a)a$' } } }));
    expect(lookahead.errors).toEqual([{ path: 'config.json', message: expect.stringContaining('config.json is not a usable JSON Schema') }]);
  });

  it('keeps at most the configured number of option schemas compiled', () => {
    for (let i = 0; i < 10; i++) renderPackage(pkg({ ...COUNT_SCHEMA, description: `variant ${i}` }), { limits: { compiledSchemaCacheSize: 3 } });
    expect(compiledSchemaCount()).toBeLessThanOrEqual(3);
  });
});

describe('errors of bounds', () => {
  it('are told from the rules of a spec by the setting they name', () => {
    const r = renderServiceYaml(svc({ a: '5000' }), {});
    expect(r.errors.map(isBoundError)).toEqual([true, true]);
    expect(isBoundError({ message: "New config's PodSpec named 'hello' has 0 tasks, expected >=1 tasks" })).toBe(false);
  });
});
