import type { Server } from 'node:http';
import { routeReply, runCli as run, standInGateway, type Reply, type Seen } from '../testing/stand-in-gateway';
import { parseParameters, planCommandText, planQuery } from './plan.command';

describe('plan command inputs and texts (reference §7.2, §7.7)', () => {
  it.each([
    ['params ["var=value"]', ['var=value'], { var: 'value' }],
    [
      'params with spaces and = in values',
      ['var=value', 'var2=value2', 'var3=value more', 'var4=value=more'],
      { var: 'value', var2: 'value2', var3: 'value more', var4: 'value=more' },
    ],
    ['A= gives an empty value; later duplicates win', ['A=', 'B=1', 'B=2'], { A: '', B: '2' }],
  ])('7.7 %s', (_name, defs, body) => {
    expect(parseParameters(defs)).toEqual(body);
  });

  it('7.7 params ["var value"] (no =) → Must have one variable name and one variable value per definition', () => {
    expect(() => parseParameters(['var value'])).toThrow('Must have one variable name and one variable value per definition');
  });

  it('7.7 phase test-phase, step test-step → query phase=test-phase&step=test-step', () => {
    expect(planQuery('test-phase', 'test-step')).toBe('?phase=test-phase&step=test-step');
    expect(planQuery()).toBe('');
  });

  it.each([
    ['7.7 reply {"message":"Hi!"} counts as a valid reply', 'pause', '{"message":"Hi!"}', [undefined, undefined], '"deploy" plan has been paused.'],
    ['7.7 force-complete deploy hello hello-0:[server]', 'force-complete', '{"message":"x"}', ['hello', 'hello-0:[server]'], '"deploy" plan: step "hello-0:[server]" in phase "hello" has been forced to complete.'],
    ['7.7 force-restart deploy hello hello-0:[server]', 'force-restart', '{"message":"x"}', ['hello', 'hello-0:[server]'], '"deploy" plan: step "hello-0:[server]" in phase "hello" has been restarted.'],
    ['7.7 pause deploy hello', 'pause', '{"message":"x"}', ['hello', undefined], '"deploy" plan: phase "hello" has been paused.'],
    ['7.7 resume deploy hello', 'resume', '{"message":"x"}', ['hello', undefined], '"deploy" plan: phase "hello" has been resumed.'],
    ['a reply that is not JSON with a message: could not', 'resume', 'ok', [undefined, undefined], '"deploy" plan could not be resumed.'],
  ] as const)('%s', (_name, verb, reply, [phase, step], text) => {
    expect(planCommandText(verb, reply, 'deploy', phase, step)).toBe(text);
  });
});

describe('plan commands against a gateway (reference §7.2, §7.7)', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));
  const start = async (status: number, body: string | ((req: Seen) => Reply)) => {
    const g = await standInGateway((req) => (typeof body === 'string' ? [status, body] : body(req)));
    servers.push(g.server);
    return { ...g, requests: g.seen };
  };

  it('plan start sends the parameters as a JSON body and prints the reply', async () => {
    const g = await start(200, (req) => routeReply(req, 'POST /v1/plans/{plan}/start', 200, { message: 'Received cmd: start sidecar with parameters: {PLAN_PARAMETER=parameterized}' }));
    const r = await run(g.url, '--name', 'hello-world', 'plan', 'start', 'sidecar', '-p', 'PLAN_PARAMETER=parameterized');
    expect(g.requests).toEqual([{ method: 'POST', url: '/v1/service/hello-world/plans/sidecar/start', body: '{"PLAN_PARAMETER":"parameterized"}' }]);
    expect(r.out).toBe('{\n  "message": "Received cmd: start sidecar with parameters: {PLAN_PARAMETER=parameterized}"\n}\n');
  });

  it('plan force-complete calls forceComplete with phase and step', async () => {
    const g = await start(200, (req) => routeReply(req, 'POST /v1/plans/{plan}/forceComplete', 200, { message: 'Received cmd: forceComplete' }));
    const r = await run(g.url, 'plan', 'force-complete', 'deploy', 'hello', 'hello-0:[server]');
    expect(g.requests[0].url).toBe('/v1/plans/deploy/forceComplete?phase=hello&step=hello-0%3A%5Bserver%5D');
    expect(r.out).toBe('"deploy" plan: step "hello-0:[server]" in phase "hello" has been forced to complete.\n');
  });

  it.each([
    [['pause', 'deploy'], '/v1/plans/deploy/interrupt', 'POST /v1/plans/{plan}/interrupt', '"deploy" plan has been paused.'],
    [['resume', 'deploy', 'hello'], '/v1/plans/deploy/continue?phase=hello', 'POST /v1/plans/{plan}/continue', '"deploy" plan: phase "hello" has been resumed.'],
    [['force-restart', 'deploy'], '/v1/plans/deploy/restart', 'POST /v1/plans/{plan}/restart', '"deploy" plan has been restarted.'],
    [['force-restart', 'deploy', 'hello'], '/v1/plans/deploy/restart?phase=hello', 'POST /v1/plans/{plan}/restart', '"deploy" plan: phase "hello" has been restarted.'],
  ] as const)('plan %j calls %s and prints %s', async (args, url, route, text) => {
    const g = await start(200, (req) => routeReply(req, route, 200, { message: 'Received cmd: x' }));
    const r = await run(g.url, 'plan', ...args);
    expect(g.requests[0].url).toBe(url);
    expect(r.out).toBe(`${text}\n`);
  });

  it.each(['pause', 'resume'])('7.7 %s with a 404 Element not found → Plan, phase, and/or step does not exist', async (verb) => {
    const g = await start(404, 'Element not found');
    expect((await run(g.url, 'plan', verb, 'deploy', 'hello')).error?.message).toBe('Plan, phase, and/or step does not exist');
  });

  it.each(['pause', 'resume'])('7.7 %s with a 208 → Cannot execute command…', async (verb) => {
    const g = await start(208, 'Command has already been reported or completed');
    const r = await run(g.url, 'plan', verb, 'deploy');
    expect(r.error?.message).toBe('Cannot execute command. Command has already been issued or the plan has completed');
  });

  it('a 404 naming the element prints the gateway message (the original printed a generic text, §10.3 quirk 7)', async () => {
    const g = await start(404, 'Phase nope not found');
    expect((await run(g.url, 'plan', 'resume', 'deploy', 'nope')).error?.message).toBe('Phase nope not found');
  });

  it('debug pod pause -t sends the short task names as a JSON array', async () => {
    const g = await start(200, '{"pod":"hello-0","tasks":["hello-0-server"]}');
    const r = await run(g.url, 'debug', 'pod', 'pause', 'hello-0', '-t', 'server');
    expect(g.requests[0]).toEqual({ method: 'POST', url: '/v1/pod/hello-0/pause', body: '["server"]' });
    expect(r.out).toBe('{\n  "pod": "hello-0",\n  "tasks": [\n    "hello-0-server"\n  ]\n}\n');
  });
});
