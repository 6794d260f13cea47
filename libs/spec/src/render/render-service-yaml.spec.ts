import { readFixture, specOf } from '../../fixtures/fixtures';
import { resolveServiceUser } from '../service-yaml/naming';
import { missingValuesMessage, renderMustache, toMustacheView } from '../template/mustache-template';
import { renderServiceYaml } from './render-service-yaml';

const MINIMAL = `name: svc
pods:
  hello:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: echo hi
        cpus: 0.5
`;

/** MINIMAL with `extra` lines spliced into the task. */
function withTask(extra: string): string {
  return MINIMAL + extra.replace(/^/gm, '        ') + '\n';
}

describe('Mustache rendering of svc.yml (reference §4.9, §9.7)', () => {
  const render = (template: string, env: Record<string, string>) => renderMustache(template, toMustacheView(env));

  it('9.7 {{missing-parameter}} (lenient) renders empty and is listed as missing-parameter@L1', () => {
    const r = render('hello {{missing-parameter}} world', {});
    expect(r).toEqual({ ok: true, text: 'hello  world', missing: [{ name: 'missing-parameter', line: 1 }] });
  });

  it('9.7 strict with two missing on lines 1 and 2 gives the original error text', () => {
    const r = render('{{a_missing_parameter}}\n{{another_missing_parameter}}\n{{present}}', { present: 'x', other: 'y' });
    expect(missingValuesMessage('testTemplate', r.missing, { present: 'x', other: 'y' })).toBe(
      'Missing 2 values when rendering testTemplate:\n' +
        '- Missing values: [a_missing_parameter@L1, another_missing_parameter@L2]\n' +
        '- Provided values: {other=y, present=x}',
    );
  });

  it('9.7 {{#missing}}x{{/missing}} omits x without error; {{^missing}}x{{/missing}} includes it', () => {
    expect(render('a{{#missing}}x{{/missing}}b', {})).toEqual({ ok: true, text: 'ab', missing: [] });
    expect(render('a{{^missing}}x{{/missing}}b', {})).toEqual({ ok: true, text: 'axb', missing: [] });
  });

  it.each([
    ['true', './enabled true'],
    ['TRUE', './enabled true'],
    ['false', './disabled false'],
    ['False', './disabled false'],
    ['', './disabled'],
  ])('9.7 test-render-inverted.yml with ENABLED=%j → cmd %j', (value, cmd) => {
    const r = renderServiceYaml(readFixture('sdk-fixtures', 'test-render-inverted.yml'), { ENABLED: value });
    expect(specOf(r).pods[0].tasks[0].cmd).toBe(cmd);
    expect(r.warnings).toEqual([]);
  });

  it('{{VAR}} is HTML-escaped the way mustache.java did it, {{{VAR}}} and {{&VAR}} are raw', () => {
    const env = { V: `a"b'c<d>e&f=g\`h\ti` };
    expect(render('{{V}}', env).ok && render('{{V}}', env)).toMatchObject({ text: 'a&quot;b&#39;c&lt;d&gt;e&amp;f&#61;g&#96;h&#9;i' });
    expect(render('{{{V}}}|{{&V}}', env)).toMatchObject({ text: `${env.V}|${env.V}` });
  });

  it('placement JSON passes through {{{HELLO_PLACEMENT}}} untouched', () => {
    const yaml = MINIMAL.replace('    count: 1', "    count: 1\n    placement: '{{{HELLO_PLACEMENT}}}'");
    const r = renderServiceYaml(yaml, { HELLO_PLACEMENT: '[["hostname", "UNIQUE"]]' });
    expect(specOf(r).pods[0].placement).toBe('[["hostname", "UNIQUE"]]');
  });

  it('an empty count (lenient rendering) fails the spec with a message naming pods.hello.count', () => {
    const r = renderServiceYaml(MINIMAL.replace('count: 1', 'count: {{HELLO_COUNT}}'), {});
    expect(r.spec).toBeNull();
    expect(r.warnings).toEqual(['svc.yml: missing template values rendered as empty: [HELLO_COUNT@L4]']);
    expect(r.errors).toEqual([{ path: 'pods.hello.count', message: expect.stringContaining('count cannot be null') }]);
  });

  it('empty labels from an unset variable are allowed (empty label string is skipped)', () => {
    const r = renderServiceYaml(withTask('labels: {{HELLO_LABELS}}'), {});
    expect(specOf(r).pods[0].tasks[0].labels).toEqual({});
  });

  it('strict mode turns missing values into the §9.7 error', () => {
    const r = renderServiceYaml(withTask('env:\n  A: {{NOPE}}'), { X: '1' }, { strict: true, fileName: 'svc.yml' });
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual([
      { path: 'svc.yml', message: 'Missing 1 value when rendering svc.yml:\n- Missing values: [NOPE@L11]\n- Provided values: {X=1}' },
    ]);
  });

  it('a Mustache syntax error is reported, not thrown', () => {
    const r = renderServiceYaml(MINIMAL + '{{#open}}\n', {});
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual([{ path: 'svc.yml', message: expect.stringMatching(/^Mustache template error: Unclosed section "open"/) }]);
  });

  it('{{constructor}} and other Object.prototype names are missing values, not functions', () => {
    expect(render('[{{constructor}}][{{toString}}][{{__proto__}}]', {})).toMatchObject({ text: '[][][]' });
  });
});

describe('parsing rules (reference §4.1)', () => {
  it('rejects a duplicate key anywhere with Duplicate field', () => {
    const r = renderServiceYaml(withTask('cpus: 1'), {});
    expect(r.errors).toEqual([{ path: 'pods.hello.tasks.server.cpus', message: expect.stringMatching(/^Duplicate field 'cpus' \(line 10, column 9\)$/) }]);
  });

  it('rejects a duplicate key inside an ignored pod-level block too', () => {
    const yaml = MINIMAL.replace('    count: 1', '    count: 1\n    container:\n      a: 1\n      a: 2');
    expect(renderServiceYaml(yaml, {}).errors).toEqual([{ path: 'pods.hello.container.a', message: expect.stringContaining("Duplicate field 'a'") }]);
  });

  it('ignores unknown keys directly under a pod (legacy container: and user: blocks)', () => {
    const yaml = MINIMAL.replace('    count: 1', '    count: 1\n    user: someone\n    container:\n      image: foo');
    const r = renderServiceYaml(yaml, {});
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual(['pods.hello.user: ignored, not a known field here', 'pods.hello.container: ignored, not a known field here']);
    expect(specOf(r).pods[0].user).toBe('root');
  });

  it.each([
    ['at the top level', MINIMAL + 'colour: blue\n', 'colour', "Unrecognized field 'colour' (expected one of: name, web-url, scheduler, pods, plans)"],
    ['in a task', withTask('colour: blue'), 'pods.hello.tasks.server.colour', "Unrecognized field 'colour'"],
    ['in a health check', withTask('health-check:\n  cmd: x\n  interval: 1\n  grace-period: 1\n  max-consecutive-failures: 1\n  delay: 0\n  timeout: 1\n  retries: 3'), 'pods.hello.tasks.server.health-check.retries', "Unrecognized field 'retries'"],
    ['in scheduler', MINIMAL.replace('pods:', 'scheduler:\n  role: x\npods:'), 'scheduler.role', "Unrecognized field 'role'"],
  ])('rejects unknown keys %s', (_where, yaml, path, message) => {
    expect(renderServiceYaml(yaml, {}).errors).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('keeps declaration order of pods, tasks, ports and env', () => {
    const yaml = `name: s
pods:
  zeta:
    count: 1
    tasks:
      b: {goal: RUNNING, cmd: x, cpus: 1, ports: {p2: {port: 0}, p1: {port: 0}}, env: {Z: 1, A: 2}}
      a: {goal: RUNNING, cmd: x, cpus: 1}
  alpha:
    count: 1
    tasks:
      t: {goal: RUNNING, cmd: x, cpus: 1}
`;
    const spec = specOf(renderServiceYaml(yaml, {}));
    expect(spec.pods.map((p) => p.type)).toEqual(['zeta', 'alpha']);
    expect(spec.pods[0].tasks.map((t) => t.name)).toEqual(['b', 'a']);
    expect(spec.pods[0].resourceSets[0].ports.map((p) => p.name)).toEqual(['p2', 'p1']);
    expect(Object.keys(spec.pods[0].tasks[0].env)).toEqual(['Z', 'A']);
  });

  it('string fields keep the scalar as written (1.0 stays "1.0", yes stays "yes")', () => {
    const spec = specOf(renderServiceYaml(withTask('env:\n  A: 1.0\n  B: yes\n  C: 0x1F\n  D:\n  E: "quoted"'), {}));
    expect(spec.pods[0].tasks[0].env).toEqual({ A: '1.0', B: 'yes', C: '0x1F', D: '', E: 'quoted' });
  });
});

describe('normalization (reference §4.2–4.6, §4.10)', () => {
  it('inline task resources become the implicit resource set <task>-resource-set', () => {
    const spec = specOf(renderServiceYaml(withTask('memory: 256\nports:\n  http:\n    port: 8080\n    advertise: true\n    env-key: HTTP_PORT\n    vip:\n      port: 80'), {}));
    expect(spec.pods[0].tasks[0].resourceSet).toBe('server-resource-set');
    expect(spec.pods[0].resourceSets).toEqual([
      {
        id: 'server-resource-set',
        cpus: 0.5,
        memory: 256,
        ports: [{ name: 'http', port: 8080, envKey: 'HTTP_PORT', advertise: true, ranges: [], vip: { port: 80, prefix: 'http' } }],
        volumes: [],
      },
    ]);
  });

  it('defaults: role <name>-role, principal <name>-principal, user root, ZooKeeper master.mesos:2181, pre-reserved role *', () => {
    const spec = specOf(renderServiceYaml(MINIMAL.replace('name: svc', 'name: /path/to/svc'), {}));
    expect(spec).toMatchObject({ name: '/path/to/svc', role: 'path__to__svc-role', principal: '/path/to/svc-principal', user: 'root', zookeeper: 'master.mesos:2181' });
    expect(spec.pods[0]).toMatchObject({ user: 'root', preReservedRole: '*', allowDecommission: false, sharePidNamespace: false });
    expect(spec.pods[0].tasks[0]).toMatchObject({ essential: true, killGracePeriod: 0, labels: {}, configs: [], transportEncryption: [] });
  });

  it('scheduler: principal, zookeeper and user are taken from the YAML; user becomes every pod user', () => {
    const yaml = MINIMAL.replace('pods:', 'scheduler:\n  principal: p\n  zookeeper: zk:2181\n  user: nobody\npods:');
    expect(specOf(renderServiceYaml(yaml, {}))).toMatchObject({ principal: 'p', zookeeper: 'zk:2181', user: 'nobody', pods: [{ user: 'nobody' }] });
  });

  it('MESOS_ALLOCATION_ROLE (Marathon group role) becomes the service role unless it is slave_public', () => {
    expect(specOf(renderServiceYaml(MINIMAL, { MESOS_ALLOCATION_ROLE: 'dev' })).role).toBe('dev');
    expect(specOf(renderServiceYaml(MINIMAL, { MESOS_ALLOCATION_ROLE: 'slave_public' })).role).toBe('svc-role');
  });

  it('SERVICE_REGION of the scheduler env becomes the service region', () => {
    expect(specOf(renderServiceYaml(MINIMAL, { SERVICE_REGION: 'us-west' })).region).toBe('us-west');
    expect(specOf(renderServiceYaml(MINIMAL, {})).region).toBeUndefined();
  });

  it.each([
    ['service user wins', 'svc-user', ['pod-user'], 'svc-user'],
    ['else the first pod user', null, [null, 'pod-user', 'other'], 'pod-user'],
    ['else root', null, [null], 'root'],
    ['null pod list → root', null, null, 'root'],
    ['empty pod list → root', '', [], 'root'],
  ])('9.7 service user resolution: %s', (_name, user, pods, expected) => {
    expect(resolveServiceUser(user, pods)).toBe(expected);
  });

  it('routes TASKCFG_ALL_* into every task and TASKCFG_<POD>_* into its pod, over the YAML env (§4.10)', () => {
    const yaml = `name: s
pods:
  hello-world:
    count: 1
    tasks:
      a: {goal: RUNNING, cmd: x, cpus: 1, env: {FOO: yaml, KEEP: k}}
  other:
    count: 1
    tasks:
      b: {goal: RUNNING, cmd: x, cpus: 1}
`;
    const spec = specOf(
      renderServiceYaml(yaml, { TASKCFG_ALL_FOO: 'all', TASKCFG_HELLO_WORLD_FOO: 'pod', TASKCFG_ALL_BAR: 'bar', TASKCFG_OTHER_X: 'x', UNRELATED: 'u' }),
    );
    // Sorted by variable name, later wins: TASKCFG_HELLO_WORLD_FOO sorts after TASKCFG_ALL_FOO.
    expect(spec.pods[0].tasks[0].env).toEqual({ FOO: 'pod', KEEP: 'k', BAR: 'bar' });
    expect(spec.pods[1].tasks[0].env).toEqual({ FOO: 'all', BAR: 'bar', X: 'x' });
  });

  it.each([
    ['FINISHED', 'Unsupported GoalState FINISHED in task server, expected one of: [UNKNOWN, RUNNING, FINISH, ONCE]'],
    ['finished', 'Unsupported GoalState FINISHED in task server, expected one of: [UNKNOWN, RUNNING, FINISH, ONCE]'],
    ['SOMETIMES', 'Unsupported GoalState SOMETIMES in task server, expected one of: [RUNNING, FINISH, ONCE]'],
  ])('9.7 goal %s is rejected: %s', (goal, message) => {
    const r = renderServiceYaml(MINIMAL.replace('goal: RUNNING', `goal: ${goal}`), {});
    expect(r.errors).toEqual([{ path: 'pods.hello.tasks.server.goal', message }]);
  });

  it.each(['running', 'Finish', 'ONCE'])('goal %s is accepted case-insensitively', (goal) => {
    expect(specOf(renderServiceYaml(MINIMAL.replace('goal: RUNNING', `goal: ${goal}`), {})).pods[0].tasks[0].goal).toBe(goal.toUpperCase());
  });

  it('reads config templates from the files map relative to the YAML and names a missing one', () => {
    const yaml = withTask('configs:\n  server-properties:\n    template: ./conf/server.properties.mustache\n    dest: conf/server.properties\n  missing:\n    template: nope.mustache\n    dest: x');
    const ok = renderServiceYaml(yaml.replace(/ {2}missing:\n.*\n.*\n/, ''), {}, { files: { 'conf/server.properties.mustache': 'port={{PORT}}' } });
    expect(specOf(ok).pods[0].tasks[0].configs).toEqual([
      { name: 'server-properties', templatePath: './conf/server.properties.mustache', template: 'port={{PORT}}', dest: 'conf/server.properties' },
    ]);
    const missing = renderServiceYaml(yaml, {}, { files: { 'conf/server.properties.mustache': '' } });
    expect(missing.errors).toEqual([
      { path: 'pods.hello.tasks.server.configs.missing.template', message: "Config template file 'nope.mustache' was not found in the package (FileNotFoundException)" },
    ]);
  });

  it('network labels and host/container port mappings', () => {
    const yaml = MINIMAL.replace('    count: 1', '    count: 1\n    networks:\n      mesos-bridge:\n        host-ports: [8080]\n        container-ports: [80]\n        labels: "k1:v1,k2:a:b"');
    expect(specOf(renderServiceYaml(yaml, {})).pods[0].networks).toEqual([
      { name: 'mesos-bridge', hostPorts: [8080], containerPorts: [80], labels: { k1: 'v1', k2: 'a:b' } },
    ]);
  });

  it('a secret without env-key or file becomes a file at the secret path', () => {
    const yaml = MINIMAL.replace('    count: 1', '    count: 1\n    secrets:\n      s1:\n        secret: app/secret\n      s2:\n        secret: app/other\n        env-key: OTHER');
    expect(specOf(renderServiceYaml(yaml, {})).pods[0].secrets).toEqual([
      { name: 's1', secret: 'app/secret', file: 'app/secret' },
      { name: 's2', secret: 'app/other', envKey: 'OTHER' },
    ]);
  });
});

describe('construction-time checks (reference §4.3–4.5)', () => {
  it.each([
    ['two ports with the same number', 'ports:\n  a: {port: 8080}\n  b: {port: 8080}', 'Cannot have duplicate port values: Task has multiple ports with value 8080'],
    ['an unknown rlimit', null, 'RLIMIT_NONSENSE is not a valid rlimit'],
    ['SHARE_PARENT with shm-size', 'ipc-mode: SHARE_PARENT\nshm-size: 64', 'shm size does not apply when IPC Mode is SHARE_PARENT'],
    ['blank task labels', 'labels: "  "', 'Illegal label string'],
    ['a zero memory', 'memory: 0', 'Scalar resource value must be greater than zero'],
    ['a kill grace period over 3600', 'kill-grace-period: 3601', 'taskKillGracePeriodSeconds cannot be greater than 3600'],
    ['a volume type the original does not know', 'volume: {path: data, type: NFS, size: 10}', "Provided volume type 'NFS' for path 'data' is invalid. Expected type to be one of: [ROOT, PATH, MOUNT]"],
    ['profiles on a ROOT volume', 'volume: {path: data, type: ROOT, size: 10, profiles: [xfs]}', "Provided volume type 'ROOT' for path 'data' cannot have profiles"],
    ['a volume path with a slash', 'volume: {path: a/b, type: ROOT, size: 10}', 'containerPath must match pattern'],
    ['max-consecutive-failures 0', 'health-check: {cmd: x, interval: 1, grace-period: 1, max-consecutive-failures: 0, delay: 0, timeout: 1}', 'maxConsecutiveFailures cannot be less than 1'],
    ['a health check without timeout', 'health-check: {cmd: x, interval: 1, grace-period: 1, max-consecutive-failures: 1, delay: 0}', 'timeout cannot be null'],
    ['a negative readiness interval', 'readiness-check: {cmd: x, interval: -1, timeout: 1}', 'interval cannot be less than 0'],
    ['an unknown discovery visibility', 'discovery: {prefix: p, visibility: PUBLIC}', 'Visibility must be one of: [FRAMEWORK, CLUSTER, EXTERNAL]'],
    ['a port range with begin > end', 'ports:\n  p: {port: 0, ranges: [{begin: 5000, end: 1024}]}', 'invalid port constraint'],
    ['an unknown resource-set', 'resource-set: nowhere', "refers to resource-set 'nowhere'"],
    ['an unknown TLS type', 'transport-encryption: [{name: n, type: PEM}]', 'type must be one of: [TLS, KEYSTORE]'],
    ['two configs with the same dest', 'configs:\n  a: {template: t, dest: same}\n  b: {template: t, dest: same}', 'configFiles.relativePath cannot have any duplicates ([same])'],
  ])('rejects %s', (_name, taskYaml, message) => {
    const yaml =
      taskYaml === null
        ? MINIMAL.replace('    count: 1', '    count: 1\n    rlimits:\n      RLIMIT_NONSENSE: {soft: 1, hard: 1}')
        : withTask(taskYaml);
    const r = renderServiceYaml(yaml, {}, { files: { t: '' } });
    expect(r.spec).toBeNull();
    expect(r.errors.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  it.each([
    [{ soft: 1 }, 'soft and hard rlimits must be either both set or both unset'],
    [{ soft: 2, hard: 1 }, 'soft rlimit must be less than or equal to the hard rlimit'],
    [{ soft: -1, hard: 10 }, 'both soft and hard limits must be set to -1 which represents unlimited.'],
    [{ soft: -2, hard: -2 }, 'soft and hard rlimits must be positive with the exception of -1 which represents unlimited.'],
  ])('rlimit %j: %s', (limit, message) => {
    const yaml = MINIMAL.replace('    count: 1', `    count: 1\n    rlimits:\n      RLIMIT_NOFILE: ${JSON.stringify(limit)}`);
    expect(renderServiceYaml(yaml, {}).errors).toEqual([{ path: 'pods.hello.rlimits.RLIMIT_NOFILE', message }]);
  });

  it('rejects a task without any resource (volumes alone do not count)', () => {
    const yaml = MINIMAL.replace('        cpus: 0.5\n', '        volume: {path: data, type: ROOT, size: 10}\n');
    expect(renderServiceYaml(yaml, {}).errors).toEqual([
      { path: 'pods.hello.tasks.server', message: expect.stringContaining('resources cannot be empty') },
    ]);
  });

  it('rejects a missing name, no pods, a pod without tasks and a negative count, all at once', () => {
    const r = renderServiceYaml('name: ""\npods:\n  a:\n    count: -1\n    tasks: {}\n', {});
    expect(r.errors).toEqual(
      expect.arrayContaining([
        { path: 'name', message: "Missing required 'name' in Service Spec" },
        { path: 'pods.a.count', message: 'count cannot be less than 0, got -1' },
        { path: 'pods.a.tasks', message: expect.stringContaining('tasks cannot be empty') },
      ]),
    );
    expect(renderServiceYaml('name: x\npods: {}\n', {}).errors).toEqual([{ path: 'pods', message: expect.stringContaining('pods cannot be empty') }]);
  });

  it.each([
    ['a SHARE_PARENT pod', MINIMAL.replace('    count: 1', '    count: 1\n    ipc-mode: SHARE_PARENT'), 'Cannot specify SHARE_PARENT at pod level'],
    ['an unknown ipc-mode', MINIMAL.replace('    count: 1', '    count: 1\n    ipc-mode: HOST'), 'Invalid IPC Mode'],
    ['a relative host-path', MINIMAL.replace('    count: 1', '    count: 1\n    host-volumes:\n      v: {host-path: etc, container-path: etc}'), 'host-path must be an absolute path'],
    ['an absolute container-path', MINIMAL.replace('    count: 1', '    count: 1\n    host-volumes:\n      v: {host-path: /etc, container-path: /etc}'), 'container-path must be a relative path'],
    ['a bad host volume mode', MINIMAL.replace('    count: 1', '    count: 1\n    host-volumes:\n      v: {host-path: /etc, container-path: etc, mode: RX}'), 'Unsupported host volume mode.'],
    ['an absolute secret file', MINIMAL.replace('    count: 1', '    count: 1\n    secrets:\n      s: {secret: a, file: /abs}'), 'filePath must match pattern'],
    ['a non-Docker external volume', MINIMAL.replace('    count: 1', '    count: 1\n    external-volumes:\n      v: {type: NFS, container-path: v, driver-name: pxd}'), 'Unsupported external volume mode NFS'],
    ['malformed driver options', MINIMAL.replace('    count: 1', '    count: 1\n    external-volumes:\n      v: {type: DOCKER, container-path: v, driver-name: pxd, driver-options: "a=b=c"}'), 'Invalid driver option: [a, b, c]'],
    ['a URI with a space', MINIMAL.replace('    count: 1', '    count: 1\n    uris: ["http://a b"]'), 'Invalid URI'],
    ['an empty URI', MINIMAL.replace('    count: 1', '    count: 1\n    uris: [""]'), 'URI cannot be empty'],
    ['host ports on an unknown network', MINIMAL.replace('    count: 1', '    count: 1\n    networks:\n      test:\n        host-ports: [1]\n        container-ports: [2]'), "Virtual Network test doesn't support container->host port mapping"],
    ['blank network labels', MINIMAL.replace('    count: 1', '    count: 1\n    networks:\n      dcos:\n        labels: "  "'), 'Illegal label string'],
    ['malformed network labels', MINIMAL.replace('    count: 1', '    count: 1\n    networks:\n      dcos:\n        labels: "key1,val1"'), 'Illegal label string, got key1,val1'],
  ])('rejects %s', (_name, yaml, message) => {
    expect(renderServiceYaml(yaml, {}).errors.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  it('reports a VIP prefix colliding with another port of the same resource set', () => {
    const r = renderServiceYaml(withTask('ports:\n  http: {port: 8080}\n  admin: {port: 8081, vip: {port: 80, prefix: http}}'), {});
    expect(r.errors).toEqual([
      {
        path: 'pods.hello.tasks.server.ports.admin.vip.prefix',
        message: "Provided VIP prefix 'http' in port 'admin' conflicts with other port also named 'http'. Expected VIP prefix to not collide with other ports' names.",
      },
    ]);
  });
});

describe('the plans: section (reference §3.2)', () => {
  const plan = (body: string) => `${MINIMAL}plans:\n${body}`;
  it.each([
    ['no deploy plan', '  other:\n    phases:\n      p: {pod: hello}', "No deploy plan provided: [other]"],
    ['an unknown pod', '  deploy:\n    phases:\n      p: {pod: nope}', "Unable to find pod 'nope' referenced by phase 'p'"],
    ['an unknown plan strategy', '  deploy:\n    strategy: random\n    phases:\n      p: {pod: hello}', "Unsupported plan strategy 'random', expected one of: [serial, parallel]"],
    ['an unknown phase strategy', '  deploy:\n    phases:\n      p: {pod: hello, strategy: sometimes}', "Unsupported phase strategy 'sometimes', expected one of: [serial, parallel, serial-canary, canary, parallel-canary]"],
    ['a step entry with two keys', '  deploy:\n    phases:\n      p:\n        pod: hello\n        steps:\n          - {0: [[server]], default: [[server]]}', "Malformed step in phase 'p': Map should contain a single entry, but has 2"],
    ['duplicate step keys', '  deploy:\n    phases:\n      p:\n        pod: hello\n        steps:\n          - 0: [[server]]\n          - 0: [[server]]', "Malformed steps in phase 'p': Duplicate key '0'"],
    ['a missing index without default', '  deploy:\n    phases:\n      p:\n        pod: hello\n        steps:\n          - 1: [[server]]', "Malformed steps in phase 'p': Missing '0' step entry, and no 'default' defined"],
    ['an unknown task', '  deploy:\n    phases:\n      p:\n        pod: hello\n        steps:\n          - default: [[server, nope]]', 'Malformed step: step refers to a task that does not exist: [nope]'],
    ['a step key that is not an index', '  deploy:\n    phases:\n      p:\n        pod: hello\n        steps:\n          - first: [[server]]\n          - default: [[server]]', "step key 'first' must be a pod index"],
    ['a plan without phases', '  deploy:\n    strategy: serial', "Missing required 'phases' in plan 'deploy'"],
  ])('rejects %s', (_name, body, message) => {
    const r = renderServiceYaml(plan(body), {});
    expect(r.spec).toBeNull();
    expect(r.errors.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  it('accepts an empty outer step list (no steps for those indices) and ignores entries beyond the count', () => {
    const r = renderServiceYaml(plan('  deploy:\n    phases:\n      p:\n        pod: hello\n        steps:\n          - 0: [[server]]\n          - 5: [[server]]\n          - default: []'), {});
    expect(specOf(r).plans[0].phases[0].steps).toEqual([
      { key: '0', tasks: [['server']] },
      { key: '5', tasks: [['server']] },
      { key: 'default', tasks: [] },
    ]);
  });

  it('warns (does not reject) when one step would launch two tasks sharing a resource set (§10.3 quirk 6)', () => {
    const yaml = `name: s
pods:
  p:
    count: 1
    resource-sets:
      shared: {cpus: 1}
    tasks:
      a: {goal: ONCE, cmd: x, resource-set: shared}
      b: {goal: RUNNING, cmd: x, resource-set: shared}
`;
    const r = renderServiceYaml(yaml, {});
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([expect.stringContaining('tasks [a, b] are launched in one step but share resource set shared')]);
    const split = renderServiceYaml(`${yaml}plans:\n  deploy:\n    phases:\n      p:\n        pod: p\n        steps:\n          - default: [[a], [b]]\n`, {});
    expect(split.warnings).toEqual([]);
  });
});

describe('bad input never crashes or hangs', () => {
  it.each([
    ['malformed YAML', 'name: x\npods: [1,\n', /YAML syntax error/],
    ['a YAML list at the top', '- a\n- b\n', /must be a mapping/],
    ['an empty document', '', /Service Spec is empty/],
    ['a scalar document', 'hello', /must be a mapping/],
    ['two documents', 'name: a\n---\nname: b\n', /YAML syntax error: Source contains multiple documents/],
    ['a string where a number goes', MINIMAL.replace('cpus: 0.5', 'cpus: lots'), /must be a number, got 'lots'/],
    ['a mapping where a string goes', MINIMAL.replace('cmd: echo hi', 'cmd: {a: 1}'), /must be a string, got a mapping/],
    ['a list where a mapping goes', MINIMAL.replace('    tasks:', '    tasks: [a, b]\n    x:'), /must be a mapping \(key: value\), got a list/],
    ['a fractional count', MINIMAL.replace('count: 1', 'count: 1.5'), /must be an integer, got 1.5/],
    ['an unknown alias', MINIMAL.replace('cmd: echo hi', 'cmd: *nothing'), /YAML syntax error|Unknown YAML alias/],
    ['a non-string YAML argument', 42 as unknown as string, /the service YAML must be text/],
  ])('%s gives a clear error', (_name, yaml, message) => {
    const r = renderServiceYaml(yaml, {});
    expect(r.spec).toBeNull();
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors.map((e) => e.message).join('\n')).toMatch(message);
  });

  it('aliases are followed, and an exponential alias bomb is never expanded', () => {
    const ok = renderServiceYaml(MINIMAL.replace('cmd: echo hi', 'cmd: &c echo hi\n        env: {CMD: *c}'), {});
    expect(specOf(ok).pods[0].tasks[0].env).toEqual({ CMD: 'echo hi' });
    const lines = ['    bomb:', '      a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`      a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const bomb = MINIMAL.replace('    count: 1', `    count: 1\n${lines.join('\n')}\n    uris: *a11`);
    const started = Date.now();
    const r = renderServiceYaml(bomb, {});
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.spec).toBeNull();
    expect(r.errors[0]).toEqual({ path: 'pods.hello.uris[0]', message: 'must be a string, got a list' });
  });

  it('5 MB of YAML is refused with a clear error, quickly', () => {
    const env = Array.from({ length: 120_000 }, (_, i) => `  VAR_${i}: value-${i}-${'x'.repeat(20)}`).join('\n');
    const yaml = withTask(`env:\n${env}`);
    expect(yaml.length).toBeGreaterThan(5_000_000);
    const started = Date.now();
    const r = renderServiceYaml(yaml, {});
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.spec).toBeNull();
    expect(r.errors).toEqual([{ path: 'svc.yml', message: 'svc.yml is 6.2 MiB; a service YAML may be at most 1 MiB (MAX_SERVICE_YAML_BYTES)' }]);
  });

  it('a YAML just under the size limit still renders', () => {
    const env = Array.from({ length: 20_000 }, (_, i) => `  VAR_${i}: value-${i}-${'x'.repeat(10)}`).join('\n');
    const r = renderServiceYaml(withTask(`env:\n${env}`), {});
    expect(Object.keys(specOf(r).pods[0].tasks[0].env)).toHaveLength(20_000);
  });

  it.each([
    ['flow sequences', `name: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`],
    ['block mappings', Array.from({ length: 1_000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')],
    ['Mustache sections', `${'{{#A}}'.repeat(20_000)}x${'{{/A}}'.repeat(20_000)}`],
  ])('deeply nested %s give an error, not a crash', (_name, yaml) => {
    const r = renderServiceYaml(yaml, { A: 'true' });
    expect(r.spec).toBeNull();
    expect(r.errors.length).toBeGreaterThan(0);
  });
});
