import { helloWorldPackage, makePod, makeSpec, readFixture, specOf } from '../../fixtures/fixtures';
import { renderPackage } from '../package/render-package';
import { canonicalJson } from '../compare/canonical-json';
import { diffSpecs } from './diff-specs';

describe('diffSpecs', () => {
  const svcYml = readFixture('helloworld', 'svc.yml');
  const before = specOf(renderPackage(helloWorldPackage(svcYml)));

  it('shows an accepted update like the original "Difference between configs", with where each change is', () => {
    const after = specOf(renderPackage(helloWorldPackage(svcYml), { options: { hello: { cpus: 0.5, count: 2 } } }));
    expect(diffSpecs(before, after)).toBe(
      [
        '--- ServiceSpec.old',
        '+++ ServiceSpec.new',
        '@@ -5,5 +5,5 @@ pods.hello.count',
        '     {',
        '       "allowDecommission": false,',
        '-      "count": 1,',
        '+      "count": 2,',
        '       "externalVolumes": [],',
        '       "hostVolumes": [],',
        '@@ -13,5 +13,5 @@ pods.hello.resourceSets.server-resource-set.cpus',
        '       "resourceSets": [',
        '         {',
        '-          "cpus": 0.1,',
        '+          "cpus": 0.5,',
        '           "id": "server-resource-set",',
        '           "memory": 252,',
      ].join('\n'),
    );
  });

  it('is empty on first install and when nothing changed', () => {
    expect(diffSpecs(null, before)).toBe('');
    expect(diffSpecs(before, structuredClone(before))).toBe('');
  });

  it('ignores key order (a spec read back from jsonb), not array order', () => {
    const reordered = JSON.parse(JSON.stringify(before, Object.keys(before).reverse()));
    expect(diffSpecs(before, { ...reordered, pods: before.pods })).toBe('');
    expect(diffSpecs(before, { ...before, pods: [...before.pods].reverse() })).not.toBe('');
  });

  it('shows added and removed lines for a new pod type', () => {
    const a = makeSpec([makePod('a')]);
    const b = makeSpec([makePod('a'), makePod('b')]);
    const diff = diffSpecs(a, b);
    expect(diff).toMatch(/^--- ServiceSpec\.old\n\+\+\+ ServiceSpec\.new\n@@ -\d+,\d+ \+\d+,\d+ @@ pods/);
    expect(diff).toContain('+      "type": "b",');
    // Only additions: the old pod's lines are all still there.
    expect(diff.split('\n').filter((l) => l.startsWith('-'))).toEqual(['--- ServiceSpec.old']);
  });

  it('unified hunk line numbers point at the changed lines', () => {
    const a = makeSpec([makePod('a')], { zookeeper: 'zk-1:2181' });
    const b = makeSpec([makePod('a')], { zookeeper: 'zk-2:2181' });
    const diff = diffSpecs(a, b).split('\n');
    const lineOf = (spec: object) => canonicalJson(spec, 2).split('\n').findIndex((l) => l.includes('"zookeeper"')) + 1;
    // Two lines of context before the change, and the last line of the document after it.
    expect(diff[2]).toBe(`@@ -${lineOf(a) - 2},4 +${lineOf(b) - 2},4 @@ zookeeper`);
    expect(diff.slice(3)).toEqual(['   "role": "svc-role",', '   "user": "root",', '-  "zookeeper": "zk-1:2181"', '+  "zookeeper": "zk-2:2181"', ' }']);
  });
});
