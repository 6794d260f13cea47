import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanBody, ServiceDescription } from '@marshal/contracts';
import { routeReply, standInGateway, runCli as run, type Reply, type Seen } from '../testing/stand-in-gateway';
import { packageVersionsText } from './update.command';

const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));
async function stub(answer: (req: Seen, n: number) => Reply) {
  const g = await standInGateway(answer);
  servers.push(g.server);
  return g;
}

/** A deploy plan of one phase as the gateway answers it; `id` tells one generation of the plan from another. */
const plan = (status: string, steps: string[], id = 'p'): PlanBody => ({
  status,
  strategy: 'serial',
  errors: [],
  phases: [
    {
      id: `${id}-phase`,
      name: 'hello',
      status,
      strategy: 'serial',
      startedAt: null,
      completedAt: null,
      steps: steps.map((s, i) => ({ id: `${id}-step-${i}`, name: `hello-${i}:[server]`, status: s, message: '', startedAt: null, completedAt: null })),
    },
  ],
});
const planReply = (req: Seen, status: number, body: PlanBody): Reply => routeReply(req, 'GET /v1/plans/{plan}', status, body);

describe('update verbs act on the deploy plan (reference §7.6; §10.3 quirk 8 fixed)', () => {
  it.each([
    [['update', 'pause'], '/v1/service/hello-world/plans/deploy/interrupt', 'POST /v1/plans/{plan}/interrupt', '"deploy" plan has been paused.'],
    [['update', 'resume', 'hello'], '/v1/service/hello-world/plans/deploy/continue?phase=hello', 'POST /v1/plans/{plan}/continue', '"deploy" plan: phase "hello" has been resumed.'],
    [['update', 'force-complete', 'hello', 'hello-0:[server]'], '/v1/service/hello-world/plans/deploy/forceComplete?phase=hello&step=hello-0%3A%5Bserver%5D', 'POST /v1/plans/{plan}/forceComplete', '"deploy" plan: step "hello-0:[server]" in phase "hello" has been forced to complete.'],
    [['update', 'force-restart', 'hello', 'hello-0:[server]'], '/v1/service/hello-world/plans/deploy/restart?phase=hello&step=hello-0%3A%5Bserver%5D', 'POST /v1/plans/{plan}/restart', '"deploy" plan: step "hello-0:[server]" in phase "hello" has been restarted.'],
    [['update', 'force-restart'], '/v1/service/hello-world/plans/deploy/restart', 'POST /v1/plans/{plan}/restart', '"deploy" plan has been restarted.'],
  ] as const)('%j → POST %s', async (args, url, route, text) => {
    const g = await stub((req) => routeReply(req, route, 200, { message: 'Received cmd: x' }));
    const r = await run(g.url, '--name', 'hello-world', ...args);
    expect(g.seen).toEqual([{ method: 'POST', url, body: '' }]);
    expect(r.out).toBe(`${text}\n`);
  });

  it('--json prints the reply instead of the text', async () => {
    const g = await stub((req) => routeReply(req, 'POST /v1/plans/{plan}/interrupt', 200, { message: 'Received cmd: interrupt' }));
    expect((await run(g.url, 'update', 'pause', '--json')).out).toBe('{\n  "message": "Received cmd: interrupt"\n}\n');
  });

  it('a 208 exits 6: the command had already been issued or the plan completed', async () => {
    const g = await stub(() => [208, 'Command has already been reported or completed']);
    expect((await run(g.url, 'update', 'resume')).error).toMatchObject({ exitCode: 6, message: 'Cannot execute command. Command has already been issued or the plan has completed' });
  });

  it.each([
    ['7.7 update package-versions with lists', ['v0.9', 'v0.8'], ['v1.1', 'v2.0'], 'Package can be downgraded to:\n- v0.9\n- v0.8\nPackage can be upgraded to:\n- v1.1\n- v2.0\n'],
    ['7.7 update package-versions with empty lists', [], [], 'No valid package downgrade versions.\nNo valid package upgrade versions.\n'],
  ])('%s', (_n, down, up, text) => {
    expect(packageVersionsText(down, up)).toBe(text);
  });

  it('update package-versions prints the installed version; Marshal has no repository to move to', async () => {
    const described: ServiceDescription = {
      name: 'hello-world',
      package: { name: 'hello-world', version: 'v1.0' },
      resolvedOptions: {},
      targetConfigId: 'c1',
      lastErrors: [],
      deployStatus: 'COMPLETE',
    };
    const g = await stub((req) => routeReply(req, 'GET /v1/services/{name}', 200, described));
    expect((await run(g.url, '--name', 'hello-world', 'update', 'package-versions')).out).toBe(
      'Current package version is: v1.0\nNo valid package downgrade versions.\nNo valid package upgrade versions.\n',
    );
  });
});

describe('watching a plan', () => {
  it('plan status --watch redraws on each change with a progress bar until COMPLETE', async () => {
    const views = [plan('IN_PROGRESS', ['STARTING', 'PENDING']), plan('IN_PROGRESS', ['STARTING', 'PENDING']), plan('IN_PROGRESS', ['COMPLETE', 'STARTING']), plan('COMPLETE', ['COMPLETE', 'COMPLETE'])];
    const g = await stub((req, n) => planReply(req, n === 3 ? 200 : 202, views[n]));
    const r = await run(g.url, 'plan', 'status', 'deploy', '--watch');
    expect(r.error).toBeUndefined();
    expect(g.seen).toHaveLength(4);
    // Three distinct views: the unchanged second answer is not drawn again.
    expect(r.out.split('\n').filter((l) => l.startsWith('['))).toEqual(['[░░░░░░░░░░░░░░░░░░░░░░░░] 0/2 steps complete', '[████████████░░░░░░░░░░░░] 1/2 steps complete', '[████████████████████████] 2/2 steps complete']);
    expect(r.out.endsWith('deploy (serial strategy) (COMPLETE)\n└─ hello (serial strategy) (COMPLETE)\n   ├─ hello-0:[server] (COMPLETE)\n   └─ hello-1:[server] (COMPLETE)\n[████████████████████████] 2/2 steps complete\n')).toBe(true);
  }, 10_000);

  it('update status --watch stops with exit 1 when the rollout has errors', async () => {
    const g = await stub((req) => planReply(req, 417, { ...plan('ERROR', ['ERROR']), errors: ['hello-0:[server] failed'] }));
    const r = await run(g.url, 'update', 'status', '--watch');
    expect(g.seen[0].url).toBe('/v1/plans/deploy');
    expect(r.error).toMatchObject({ exitCode: 1, message: 'plan deploy has errors' });
    expect(r.out).toContain('Errors:\n- hello-0:[server] failed\n');
  });
});

describe('steering verbs with --wait', () => {
  it('plan force-restart --wait watches the plan from the sequence the command answered with', async () => {
    const g = await stub((req, n) =>
      req.method === 'POST'
        ? routeReply(req, 'POST /v1/plans/{plan}/restart', 200, { message: 'Received cmd: restart' }, { 'x-marshal-seq': '51' })
        : n === 1
          ? planReply(req, 202, plan('IN_PROGRESS', ['PENDING']))
          : planReply(req, 200, plan('COMPLETE', ['COMPLETE'])),
    );
    const r = await run(g.url, '--name', 'hello-world', 'plan', 'force-restart', 'deploy', 'hello', 'hello-0:[server]', '--wait');
    expect(r.error).toBeUndefined();
    expect(g.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /v1/service/hello-world/plans/deploy/restart?phase=hello&step=hello-0%3A%5Bserver%5D',
      'GET /v1/service/hello-world/plans/deploy?seq=51',
      'GET /v1/service/hello-world/plans/deploy',
    ]);
    expect(r.out.split('\n')[0]).toBe('"deploy" plan: step "hello-0:[server]" in phase "hello" has been restarted.');
  });
});

describe('update start --wait', () => {
  it('watches the rollout the update caused, not the complete deploy plan it replaces', async () => {
    const old = plan('COMPLETE', ['COMPLETE'], 'old');
    const answers: ((req: Seen) => Reply)[] = [
      (req) => planReply(req, 200, old),
      (req) => routeReply(req, 'PUT /v1/services/{name}', 200, { accepted: true, service: 'hello-world', configId: 'c2', unchanged: false, errors: [], warnings: [], diff: '-a\n+b', deltas: [], seq: 77 }),
      (req) => planReply(req, 200, old),
      (req) => planReply(req, 202, plan('IN_PROGRESS', ['STARTING'], 'new')),
      (req) => planReply(req, 200, plan('COMPLETE', ['COMPLETE'], 'new')),
    ];
    const g = await stub((req, n) => answers[n](req));
    const options = join(mkdtempSync(join(tmpdir(), 'marshal-cli-')), 'o.json');
    writeFileSync(options, '{"hello":{"cpus":0.2}}');
    const r = await run(g.url, '--name', 'hello-world', 'update', 'start', '--options', options, '--wait');
    expect(r.error).toBeUndefined();
    expect(g.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /v1/service/hello-world/plans/deploy',
      'PUT /v1/services/hello-world',
      'GET /v1/service/hello-world/plans/deploy?seq=77',
      'GET /v1/service/hello-world/plans/deploy',
      'GET /v1/service/hello-world/plans/deploy',
    ]);
    expect(r.out.split('\n').filter((l) => l.startsWith('[') || l.startsWith('waiting'))).toEqual([
      'waiting for the new plan deploy…',
      '[░░░░░░░░░░░░░░░░░░░░░░░░] 0/1 steps complete',
      '[████████████████████████] 1/1 steps complete',
    ]);
  }, 10_000);
});

describe('marshal uninstall', () => {
  it('sends DELETE /v1/services/<name>; --wait follows the uninstall plan from its sequence until the service is gone', async () => {
    const g = await stub((req, n) => {
      if (req.method === 'DELETE') return routeReply(req, 'DELETE /v1/services/{name}', 202, { message: 'Received cmd: uninstall hello-world', service: 'hello-world', seq: 42 });
      return n === 1 ? planReply(req, 202, plan('IN_PROGRESS', ['STARTING'])) : [404, 'Service hello-world not found'];
    });
    const r = await run(g.url, 'uninstall', 'hello-world', '--wait');
    expect(r.error).toBeUndefined();
    expect(g.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'DELETE /v1/services/hello-world',
      'GET /v1/service/hello-world/plans/deploy?seq=42',
      'GET /v1/service/hello-world/plans/deploy',
      'GET /v1/services/hello-world',
    ]);
    expect(r.out.split('\n')[0]).toBe('Uninstalling hello-world. Watch it with: marshal --name hello-world plan status deploy');
    expect(r.out.endsWith('hello-world has been uninstalled.\n')).toBe(true);
  });

  it('--wait stops following the uninstall plan once it is COMPLETE (the gateway keeps serving it), then waits for the service to be gone', async () => {
    let described = 0;
    const g = await stub((req, n) => {
      if (req.method === 'DELETE') return routeReply(req, 'DELETE /v1/services/{name}', 202, { message: 'Received cmd: uninstall hello-world', service: 'hello-world', seq: 42 });
      if (req.url === '/v1/services/hello-world') {
        const kept: ServiceDescription = { name: 'hello-world', package: { name: 'hello-world', version: 'v1.0' }, resolvedOptions: {}, targetConfigId: 'c1', lastErrors: [], deployStatus: 'COMPLETE' };
        return ++described === 1 ? routeReply(req, 'GET /v1/services/{name}', 200, kept) : [404, 'Service hello-world not found'];
      }
      return n === 1 ? planReply(req, 202, plan('IN_PROGRESS', ['STARTING'])) : planReply(req, 200, plan('COMPLETE', ['COMPLETE']));
    });
    const r = await run(g.url, 'uninstall', 'hello-world', '--wait');
    expect(r.error).toBeUndefined();
    expect(g.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'DELETE /v1/services/hello-world',
      'GET /v1/service/hello-world/plans/deploy?seq=42',
      'GET /v1/service/hello-world/plans/deploy',
      'GET /v1/services/hello-world',
      'GET /v1/services/hello-world',
    ]);
    expect(r.out.endsWith('hello-world has been uninstalled.\n')).toBe(true);
  }, 10_000);

  it('never guesses which service to remove', async () => {
    const g = await stub((req) =>
      routeReply(req, 'GET /v1/services', 200, [{ name: 'hello-world', configId: 'c1', packageName: 'hello-world', packageVersion: 'v1.0', lastErrors: [], deployStatus: 'COMPLETE' }]),
    );
    expect((await run(g.url, 'uninstall')).error).toMatchObject({ exitCode: 2, message: 'Name the service to uninstall: marshal uninstall <service>' });
    expect(g.seen).toEqual([]);
  });

  it('an unknown service exits 5 with the gateway message', async () => {
    const g = await stub(() => [404, 'Service nope not found']);
    expect((await run(g.url, 'uninstall', 'nope')).error).toMatchObject({ exitCode: 5, message: 'Service nope not found' });
  });
});

describe('debug config and debug state (reference §7.4)', () => {
  it.each([
    [['debug', 'config', 'list'], 'GET /v1/configurations'],
    [['debug', 'config', 'show', 'c1'], 'GET /v1/configurations/c1'],
    [['debug', 'config', 'target'], 'GET /v1/configurations/target'],
    [['debug', 'config', 'target_id'], 'GET /v1/configurations/targetId'],
    [['debug', 'state', 'framework_id'], 'GET /v1/state/frameworkId'],
    [['debug', 'state', 'properties'], 'GET /v1/state/properties'],
    [['debug', 'state', 'refresh_cache'], 'PUT /v1/state/refresh'],
  ])('%j → %s, printed as pretty JSON', async (args, request) => {
    const g = await stub(() => [200, '["x"]']);
    const r = await run(g.url, ...args);
    expect(g.seen.map((s) => `${s.method} ${s.url}`)).toEqual([request]);
    expect(r.out).toBe('[\n  "x"\n]\n');
  });

  it('debug state property prints the raw value', async () => {
    const g = await stub(() => [200, 'DEPLOY']);
    const r = await run(g.url, '--name', 'hello-world', 'debug', 'state', 'property', 'last-completed-update-type');
    expect(g.seen[0].url).toBe('/v1/service/hello-world/state/properties/last-completed-update-type');
    expect(r.out).toBe('DEPLOY\n');
  });

  it.each([
    [['state', 'properties'], "This command is deprecated, use 'marshal debug state properties' instead"],
    [['config', 'list'], "This command is deprecated, use 'marshal debug config list' instead"],
  ])('the old top-level %j only points at its new place', async (args, message) => {
    const g = await stub(() => [200, '[]']);
    expect((await run(g.url, ...args)).error).toMatchObject({ exitCode: 2, message });
    expect(g.seen).toEqual([]);
  });
});
