import { MarshalError, type ServiceSpec, type TaskInfo } from '@marshal/contracts';
import { buildTaskInfos, schedulerApiHostname, toEnvName, type BuildTaskInfosInput } from '.';
import { candidate, pod, port, volume, World } from '../test/fixtures';

const helloPod = pod('hello', {
  placement: '@zone:GROUP_BY',
  volumes: [volume('shared', 10)],
  uris: ['https://example.com/bootstrap.zip'],
  rlimits: [{ name: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }],
  tasks: [
    {
      name: 'server',
      cpus: 1,
      memory: 512,
      ports: [port('http', 0, { envKey: 'PORT_HTTP' })],
      volumes: [volume('data', 100)],
      env: { FOO: 'bar', TASK_NAME: 'from-yaml' },
      labels: { custom: 'label-value1' },
      configs: [{ name: 'server-properties', templatePath: 'server.properties.mustache', template: 'x={{FOO}}', dest: 'conf/server.properties' }],
      healthCheck: { cmd: 'true', interval: 5, gracePeriod: 10, maxConsecutiveFailures: 3, delay: 0, timeout: 2 },
      readinessCheck: { cmd: 'test -f ready', interval: 1, timeout: 1, delay: 0 },
      killGracePeriod: 30,
    },
    { name: 'sidecar', cpus: 0.5, memory: 64, ports: [port('admin', 10005, { envKey: 'ADMIN_PORT' })], goal: 'ONCE' },
  ],
});

function spec(name: string): ServiceSpec {
  return { name, role: `${name}-role`, principal: `${name}-principal`, user: 'root', zookeeper: 'master.mesos:2181', pods: [helloPod], plans: [] };
}

function build(opts: { service?: string; zone?: boolean; environment?: Record<string, string> } = {}): TaskInfo[] {
  const service = opts.service ?? 'hello-world';
  // Without a fault domain the zone rule could not pass, so that case uses the pod without placement.
  const podSpec = opts.zone === false ? { ...helloPod, placement: undefined } : helloPod;
  const w = new World(service).addPod(podSpec);
  w.register('a1', {
    hostname: 'host-1.example',
    attributes: { rack: 'r1', disk: 'ssd' },
    ...(opts.zone === false ? {} : { zone: 'us-east-1a', region: 'us-east-1' }),
    ports: [[10000, 10010]],
  });
  const c = candidate('hello', 0, ['server', 'sidecar'], { environment: opts.environment ?? { PLAN_PARAMETER: 'parameterized' }, service });
  const result = w.evaluate(c);
  if (!result.proposal) throw new Error(result.outcomes.flatMap((o) => o.reasons).join('\n'));
  const agent = w.ledger.agents.get('a1');
  if (!agent) throw new Error('no agent');
  const input: BuildTaskInfosInput = {
    spec: spec(service),
    configId: 'cfg-42',
    candidate: c,
    pod: podSpec,
    proposal: result.proposal,
    agent,
    reservationId: 'res-9',
    newTaskId: (taskName) => `${service.replace(/^\/+|\/+$/g, '').replace(/\//g, '.')}__${taskName}__uuid`,
    settings: { serviceTld: 'autoip.dcos.thisdcos.directory', vipTld: 'l4lb.thisdcos.directory', apiHostname: 'api.marshal.local', apiPort: 8080 },
  };
  return buildTaskInfos(input);
}

describe('buildTaskInfos: the final task environment (reference §4.11)', () => {
  const [server, sidecar] = build();

  it.each([
    ['1. YAML env (merged with TASKCFG_*)', 'FOO', 'bar'],
    ['2. POD_INSTANCE_INDEX', 'POD_INSTANCE_INDEX', '0'],
    ['2. FRAMEWORK_NAME', 'FRAMEWORK_NAME', 'hello-world'],
    ['2. FRAMEWORK_HOST', 'FRAMEWORK_HOST', 'hello-world.autoip.dcos.thisdcos.directory'],
    ['2. FRAMEWORK_VIP_HOST', 'FRAMEWORK_VIP_HOST', 'hello-world.l4lb.thisdcos.directory'],
    ['2. SCHEDULER_API_HOSTNAME', 'SCHEDULER_API_HOSTNAME', 'api.marshal.local'],
    ['2. SCHEDULER_API_PORT', 'SCHEDULER_API_PORT', '8080'],
    ['2. TASK_NAME overrides the YAML value', 'TASK_NAME', 'hello-0-server'],
    ['2. the task name itself as a variable', 'hello-0-server', 'true'],
    ['2. PLACEMENT_REFERENCED_REGION', 'PLACEMENT_REFERENCED_REGION', 'false'],
    ['2. PLACEMENT_REFERENCED_ZONE', 'PLACEMENT_REFERENCED_ZONE', 'true'],
    ['3. CONFIG_TEMPLATE_<NAME>', 'CONFIG_TEMPLATE_SERVER_PROPERTIES', 'config-templates/server-properties,conf/server.properties'],
    ['4. plan parameters', 'PLAN_PARAMETER', 'parameterized'],
    ['6. port env-key', 'PORT_HTTP', '10000'],
    ['7. REGION', 'REGION', 'us-east-1'],
    ['7. ZONE', 'ZONE', 'us-east-1a'],
  ])('%s: %s=%s', (_step, name, value) => {
    expect(server.env[name]).toBe(value);
  });

  it('gives each task only the port variables of its own resource set', () => {
    expect(sidecar.env).toMatchObject({ ADMIN_PORT: '10005', TASK_NAME: 'hello-0-sidecar', 'hello-0-sidecar': 'true' });
    expect(sidecar.env.PORT_HTTP).toBeUndefined();
    expect(sidecar.env.CONFIG_TEMPLATE_SERVER_PROPERTIES).toBeUndefined();
  });

  it('plan parameters are applied after the SDK variables', () => {
    const [task] = build({ environment: { POD_INSTANCE_INDEX: 'overridden' } });
    expect(task.env.POD_INSTANCE_INDEX).toBe('overridden');
  });

  it('names hosts from a foldered service name', () => {
    const [task] = build({ service: '/path/to/hello.world' });
    expect(task.env).toMatchObject({
      FRAMEWORK_NAME: '/path/to/hello.world',
      FRAMEWORK_HOST: 'pathtohello-world.autoip.dcos.thisdcos.directory',
      FRAMEWORK_VIP_HOST: 'pathtohello.world.l4lb.thisdcos.directory',
    });
    expect(task.taskId).toBe('path.to.hello.world__hello-0-server__uuid');
  });

  it('sets no REGION, ZONE or fault-domain labels for an agent without a fault domain', () => {
    const [task] = build({ zone: false });
    expect(Object.keys(task.env)).not.toEqual(expect.arrayContaining(['REGION']));
    expect(Object.keys(task.env)).not.toEqual(expect.arrayContaining(['ZONE']));
    expect(task.labels.offer_zone).toBeUndefined();
    expect(task.labels.offer_region).toBeUndefined();
  });
});

describe('buildTaskInfos: the rest of the TaskInfo (reference §5.3 "Launch", §10.2)', () => {
  const [server, sidecar] = build();

  it('labels the task for placement and bookkeeping', () => {
    expect(server.labels).toEqual({
      custom: 'label-value1',
      target_configuration: 'cfg-42',
      task_type: 'hello',
      index: '0',
      offer_attributes: 'rack:r1;disk:ssd',
      offer_hostname: 'host-1.example',
      offer_zone: 'us-east-1a',
      offer_region: 'us-east-1',
      reservation_id: 'res-9',
    });
  });

  it('carries the resource set, its ports and volumes plus the pod volumes', () => {
    expect(server).toMatchObject({
      taskId: 'hello-world__hello-0-server__uuid',
      taskName: 'hello-0-server',
      taskSpecName: 'server',
      service: 'hello-world',
      podType: 'hello',
      podIndex: 0,
      configId: 'cfg-42',
      goal: 'RUNNING',
      essential: true,
      cmd: 'echo server',
      resources: { cpus: 1, memory: 512, disk: 100, gpus: 0 },
      ports: [{ name: 'http', port: 10000, envKey: 'PORT_HTTP', advertise: false }],
      volumes: [
        { path: 'shared', type: 'ROOT', size: 10, persistenceId: 'hello-0-shared-1', podLevel: true },
        { path: 'data', type: 'ROOT', size: 100, persistenceId: 'hello-0-data-1', podLevel: false },
      ],
      uris: ['https://example.com/bootstrap.zip'],
      rlimits: [{ name: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }],
      killGracePeriod: 30,
      healthCheck: { cmd: 'true', interval: 5, gracePeriod: 10, maxConsecutiveFailures: 3, delay: 0, timeout: 2 },
      readinessCheck: { cmd: 'test -f ready', interval: 1, timeout: 1, delay: 0 },
    });
    expect(server.configs.map((c) => c.dest)).toEqual(['conf/server.properties']);
    expect(sidecar).toMatchObject({
      goal: 'ONCE',
      resources: { cpus: 0.5, memory: 64, disk: 0, gpus: 0 },
      ports: [{ name: 'admin', port: 10005, envKey: 'ADMIN_PORT', advertise: false }],
      volumes: [{ path: 'shared', podLevel: true }],
    });
    expect(sidecar.healthCheck).toBeUndefined();
  });

  it('rejects a proposal that does not match the pod spec', () => {
    const w = new World().addPod(helloPod);
    w.register('a1', { ports: [[10000, 10010]], zone: 'z' });
    const c = candidate('hello', 0, ['server']);
    const proposal = w.evaluate(c).proposal;
    if (!proposal) throw new Error('expected a proposal');
    const input = {
      spec: spec('hello-world'),
      configId: 'c',
      candidate: c,
      pod: helloPod,
      proposal: { ...proposal, ports: [...proposal.ports].reverse() },
      agent: { agentId: 'a1', hostname: 'a1', attributes: {} },
      reservationId: 'r',
      newTaskId: (n: string) => n,
      settings: { serviceTld: 't', vipTld: 'v', apiHostname: 'h', apiPort: 1 },
    };
    expect(() => buildTaskInfos(input)).toThrow(MarshalError);
    expect(() => buildTaskInfos(input)).toThrow("proposal for hello-0 does not match the pod spec: proposal.ports[0]: expected port 'http', got 'admin'");
  });
});

describe('names (reference §4.4.4, §4.11)', () => {
  it.each([
    ['hello-world', 'hello-world.marathon.autoip.dcos.thisdcos.directory'],
    ['/path/to/svc', 'svc-to-path.marathon.autoip.dcos.thisdcos.directory'],
    ['data.store', 'data-store.marathon.autoip.dcos.thisdcos.directory'],
  ])('the original SCHEDULER_API_HOSTNAME of %s is %s', (service, host) => {
    expect(schedulerApiHostname(service)).toBe(host);
  });

  it('turns a config name into an env name like the original', () => {
    expect(toEnvName('hello.There999!')).toBe('HELLO_THERE999_');
  });
});
