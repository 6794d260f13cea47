import { join } from 'node:path';
import { eventually } from '@marshal/testing';
import { root, startCluster, type Cluster } from './support';

/**
 * "each endpoint rejects…": every route of the running gateway's OpenAPI document, under each of its
 * prefixes, answers 401 without a token and 403 with a token of too low a role; and, per the table below, 400 naming
 * the field for a malformed body and 404 with the original's message for what does not exist. The table must list
 * every route (and only routes that exist): a route added without an entry fails this test.
 */

type Role = 'viewer' | 'operator' | 'admin';
const ROLES: Role[] = ['viewer', 'operator', 'admin'];

interface NotFound {
  /** Path parameters (over the defaults) and query string of the request. */
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  /** The whole body of the answer. */
  message: string;
}

interface RouteCase {
  role: Role;
  /** A malformed body and the field its 400 must name. Required for every route that is not a GET. */
  malformed?: { body: unknown; names: string; contentType?: string };
  notFound?: NotFound[];
}

const SERVICE = 'hello-world';
const PLAN_404 = (...extra: NotFound[]): NotFound[] => [{ params: { plan: 'nope' }, message: 'Plan nope not found' }, ...extra];
const PHASE_404: NotFound = { query: '?phase=nope', message: 'Phase nope not found' };
const STEP_404: NotFound = { query: '?phase=hello&step=nope', message: 'Step nope not found' };
const POD_404: NotFound = { params: { pod: 'nope-0' }, message: 'Pod nope-0 not found' };
const NO_BODY = { body: { bogus: true }, names: 'bogus' };

/** Keyed by method and the path of the default service (`/v1/service/{service}/…` and `/v1/multi/{service}/…` share it). */
const ROUTES: Record<string, RouteCase> = {
  'GET /v1/plans': { role: 'viewer' },
  'GET /v1/plans/{plan}': { role: 'viewer', notFound: PLAN_404() },
  'GET /v1/plan': { role: 'viewer' },
  'POST /v1/plans/{plan}/start': { role: 'operator', malformed: { body: { A: 1 }, names: 'the value of A' }, notFound: PLAN_404() },
  'POST /v1/plans/{plan}/stop': { role: 'operator', malformed: NO_BODY, notFound: PLAN_404() },
  'POST /v1/plans/{plan}/continue': { role: 'operator', malformed: NO_BODY, notFound: PLAN_404(PHASE_404) },
  'POST /v1/plans/{plan}/interrupt': { role: 'operator', malformed: NO_BODY, notFound: PLAN_404(PHASE_404) },
  'POST /v1/plans/{plan}/forceComplete': { role: 'operator', malformed: NO_BODY, notFound: PLAN_404(PHASE_404, STEP_404) },
  'POST /v1/plans/{plan}/restart': { role: 'operator', malformed: NO_BODY, notFound: PLAN_404(PHASE_404, STEP_404) },
  // skip names one step: phase and step are both required (400 without the step).
  'POST /v1/plans/{plan}/skip': { role: 'operator', malformed: NO_BODY, notFound: PLAN_404({ query: '?phase=nope&step=x', message: 'Phase nope not found' }, STEP_404) },
  'POST /v1/plan/continue': { role: 'operator', malformed: NO_BODY },
  'POST /v1/plan/interrupt': { role: 'operator', malformed: NO_BODY },
  'POST /v1/plan/forceComplete': { role: 'operator', malformed: NO_BODY, notFound: [PHASE_404, STEP_404] },
  'POST /v1/plan/restart': { role: 'operator', malformed: NO_BODY, notFound: [PHASE_404, STEP_404] },
  'GET /v1/events': { role: 'viewer' },
  'GET /v1/events/{id}/chain': { role: 'viewer', notFound: [{ params: { id: 'nope' }, message: 'Event nope not found' }] },
  'GET /v1/admin/projections': { role: 'viewer' },
  'POST /v1/admin/rebuild-projections': { role: 'admin', malformed: NO_BODY },
  'GET /v1/admin/parked': { role: 'admin' },
  'POST /v1/admin/parked/{seq}/retry': { role: 'admin', malformed: NO_BODY, notFound: [{ params: { seq: '999999' }, message: 'no consumer has parked the event at sequence 999999' }] },
  'GET /v1/services': { role: 'viewer' },
  'POST /v1/services': { role: 'admin', malformed: { body: { package: { files: {} }, colour: 'red' }, names: "unknown field 'colour'" } },
  'POST /v1/services/{name}/dry-run': {
    role: 'admin',
    malformed: { body: { options: {}, colour: 'red' }, names: "unknown field 'colour'" },
    notFound: [{ params: { name: 'nope' }, body: { options: {} }, message: 'Service nope not found' }],
  },
  'GET /v1/services/{name}': { role: 'viewer', notFound: [{ params: { name: 'nope' }, message: 'Service nope not found' }] },
  'PUT /v1/services/{name}': {
    role: 'admin',
    malformed: { body: { options: {}, colour: 'red' }, names: "unknown field 'colour'" },
    notFound: [{ params: { name: 'nope' }, body: { options: {} }, message: 'Service nope not found' }],
  },
  'DELETE /v1/services/{name}': { role: 'admin', malformed: { body: { force: true }, names: 'force' }, notFound: [{ params: { name: 'nope' }, message: 'Service nope not found' }] },
  'GET /v1/health': { role: 'viewer' },
  'GET /v1/endpoints': { role: 'viewer' },
  'GET /v1/endpoints/{name}': { role: 'viewer', notFound: [{ params: { name: 'nope' }, message: 'Endpoint nope not found' }] },
  'GET /v1/agents': { role: 'viewer' },
  'GET /v1/metrics/prometheus': { role: 'viewer' },
  'GET /v1/metrics': { role: 'viewer' },
  'GET /v1/stream': { role: 'viewer' },
  'GET /v1/debug/plans': { role: 'viewer' },
  'GET /v1/debug/taskStatuses': { role: 'viewer' },
  'GET /v1/debug/reservations': { role: 'viewer' },
  'GET /v1/configurations': { role: 'viewer' },
  'GET /v1/configurations/targetId': { role: 'viewer' },
  'GET /v1/configurations/target': { role: 'viewer' },
  'GET /v1/configurations/{id}/diff': {
    role: 'viewer',
    notFound: [{ params: { id: '00000000-0000-4000-8000-000000000000' }, message: 'Configuration 00000000-0000-4000-8000-000000000000 not found' }],
  },
  'GET /v1/configurations/{id}': { role: 'viewer', notFound: [{ params: { id: '00000000-0000-4000-8000-000000000000' }, message: 'Configuration 00000000-0000-4000-8000-000000000000 not found' }] },
  'GET /v1/artifacts/template/{configId}/{podType}/{taskName}/{configName}': {
    role: 'viewer',
    notFound: [{ params: { configId: '00000000-0000-4000-8000-000000000000' }, message: 'Configuration 00000000-0000-4000-8000-000000000000 not found' }],
  },
  'GET /v1/pod': { role: 'viewer' },
  'GET /v1/pod/status': { role: 'viewer' },
  'GET /v1/pod/{pod}/status': { role: 'viewer', notFound: [POD_404] },
  'GET /v1/pod/{pod}/info': { role: 'viewer', notFound: [POD_404] },
  'POST /v1/pod/{pod}/restart': { role: 'operator', malformed: NO_BODY, notFound: [POD_404] },
  'POST /v1/pod/{pod}/replace': { role: 'operator', malformed: NO_BODY, notFound: [POD_404] },
  'POST /v1/pod/{pod}/pause': { role: 'operator', malformed: { body: ['server', 7], names: '/1' }, notFound: [POD_404] },
  'POST /v1/pod/{pod}/resume': { role: 'operator', malformed: { body: { tasks: ['server'] }, names: 'must be array' }, notFound: [POD_404] },
  'GET /v2/debug/offers': { role: 'viewer' },
  'GET /v1/state/frameworkId': { role: 'viewer' },
  'GET /v1/state/properties': { role: 'viewer' },
  'GET /v1/state/properties/{key}': { role: 'viewer', notFound: [{ params: { key: 'nope' }, message: 'Property nope not found' }] },
  'PUT /v1/state/refresh': { role: 'operator', malformed: NO_BODY },
  'GET /v1/state/files': { role: 'viewer' },
  'GET /v1/state/files/{name}': { role: 'viewer', notFound: [{ params: { name: 'nope' }, message: 'Failed to get the file' }] },
  'PUT /v1/state/files/{name}': { role: 'operator', malformed: { body: { file: 'x' }, names: "field 'file'" } },
  'GET /v1/state/zone/tasks': { role: 'viewer' },
  'GET /v1/state/zone/tasks/{task}': { role: 'viewer', notFound: [{ params: { task: 'nope' }, message: 'Zone of task nope not found' }] },
  'GET /v1/state/zone/{podType}/{ip}': { role: 'viewer', notFound: [{ params: { ip: '192.0.2.1' }, message: 'Zone of a hello task at 192.0.2.1 not found' }] },
};

/** Values for path parameters when a request only needs to reach the auth guard or the body check. */
const DEFAULTS: Record<string, string> = {
  service: SERVICE,
  plan: 'deploy',
  name: SERVICE,
  pod: 'hello-0',
  id: '00000000-0000-4000-8000-000000000000',
  configId: '00000000-0000-4000-8000-000000000000',
  podType: 'hello',
  taskName: 'server',
  configName: 'none',
  key: 'uninstalling',
  task: 'hello-0-server',
  ip: '127.0.0.1',
  seq: '1',
};

interface Operation {
  method: string;
  /** As in the document, e.g. `/v1/service/{service}/plans/{plan}`. */
  path: string;
  /** The table's key: the same route on the default service. */
  key: string;
  role?: string;
  public: boolean;
}

const fill = (path: string, params: Record<string, string> = {}): string =>
  path.replace(/\{(\w+)\}/g, (_m, p: string) => encodeURIComponent(params[p] ?? DEFAULTS[p] ?? `unknown-${p}`));

describe('every route of the gateway, secured and checked (docs/api.md)', () => {
  let cluster: Cluster;
  let operations: Operation[] = [];

  const send = async (op: { method: string }, path: string, token: string | undefined, body?: unknown, contentType = 'application/json') => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = contentType;
    const res = await fetch(`${cluster.ensemble.gatewayUrl}${path}`, { method: op.method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    // The event stream never ends: read no further than the status.
    const text = res.headers.get('content-type')?.startsWith('text/event-stream') ? (await res.body?.cancel(), '') : await res.text();
    return { status: res.status, text };
  };

  beforeAll(async () => {
    // No agents: the deploy plan stays pending, which is all the 404 cases need (plan deploy, phase hello).
    cluster = await startCluster([]);
    expect((await cluster.cli('install', join(root, 'examples', 'hello-world'))).code).toBe(0);
    await eventually(async () => expect((await cluster.get(`/v1/service/${SERVICE}/plans/deploy`)).status).toBe(202));
    const doc = (await (await fetch(`${cluster.ensemble.gatewayUrl}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const own = path.replace(/^\/v1\/(service|multi)\/\{service\}(?=\/)/, '');
        const key = `${method.toUpperCase()} ${/^\/v[12]\//.test(own) ? own : `/v1${own}`}`;
        const isPublic = Array.isArray(op['security']) && (op['security'] as unknown[]).length === 0;
        operations.push({ method: method.toUpperCase(), path, key, role: op['x-marshal-role'] as string | undefined, public: isPublic });
      }
    }
    operations = operations.filter((o) => !o.public);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('the table lists exactly the routes of the OpenAPI document, each under its three prefixes, with the role the document states', () => {
    const keys = [...new Set(operations.map((o) => o.key))].sort();
    expect(keys).toEqual(Object.keys(ROUTES).sort());
    for (const o of operations) expect(`${o.key}: ${o.role}`).toBe(`${o.key}: ${ROUTES[o.key].role}`);
    // Marshal's own routes exist once; every scheduler route also per service.
    const own = (k: string) => /^\w+ \/v1\/(services|agents|metrics|stream|admin)/.test(k);
    for (const k of keys.filter((k) => !own(k))) expect(`${k}: ${operations.filter((o) => o.key === k).length}`).toBe(`${k}: 3`);
    for (const k of Object.keys(ROUTES).filter((k) => !k.startsWith('GET'))) expect(`${k}: ${ROUTES[k].malformed ? 'has a malformed body' : 'none'}`).toBe(`${k}: has a malformed body`);
  });

  it('answers 401 without a token and 403 with a token of too low a role, on every route', async () => {
    const { tokens } = cluster.ensemble;
    const seen: string[] = [];
    for (const o of operations) {
      const path = fill(o.path);
      seen.push(`${o.method} ${o.path} no token → ${(await send(o, path, undefined)).status}`);
      for (const lower of ROLES.slice(0, ROLES.indexOf(ROUTES[o.key].role))) {
        seen.push(`${o.method} ${o.path} ${lower} → ${(await send(o, path, tokens[lower])).status}`);
      }
    }
    const expected = operations.flatMap((o) => [
      `${o.method} ${o.path} no token → 401`,
      ...ROLES.slice(0, ROLES.indexOf(ROUTES[o.key].role)).map((lower) => `${o.method} ${o.path} ${lower} → 403`),
    ]);
    expect(seen).toEqual(expected);
  });

  it('answers 400 naming the field for a malformed body, on every route that takes or refuses one', async () => {
    const seen: string[] = [];
    for (const o of operations) {
      const m = ROUTES[o.key].malformed;
      if (!m) continue;
      const r = await send(o, fill(o.path), cluster.ensemble.tokens.admin, m.body, m.contentType);
      seen.push(`${o.method} ${o.path} → ${r.status} ${r.text.includes(m.names) ? `names ${m.names}` : r.text}`);
    }
    expect(seen).toEqual(operations.filter((o) => ROUTES[o.key].malformed).map((o) => `${o.method} ${o.path} → 400 names ${ROUTES[o.key].malformed?.names}`));

    // A body that is not JSON at all is refused by the HTTP layer, in the same error shape.
    const res = await fetch(`${cluster.ensemble.gatewayUrl}/v1/services`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.ensemble.tokens.admin}`, 'content-type': 'application/json' },
      body: '{"package": ',
    });
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 400, body: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/not valid JSON/) } });
  });

  it("answers 404 with the original's message for an unknown plan, phase, step, pod or service, on every route", async () => {
    const seen: string[] = [];
    const expected: string[] = [];
    for (const o of operations) {
      const cases = [...(ROUTES[o.key].notFound ?? [])];
      // Every per-service route: an unknown service (reference §6.9).
      if (o.path.includes('{service}')) cases.push({ params: { service: 'nope' }, message: 'Service nope not found' });
      for (const c of cases) {
        const r = await send(o, `${fill(o.path, c.params)}${c.query ?? ''}`, cluster.ensemble.tokens.admin, c.body);
        seen.push(`${o.method} ${fill(o.path, c.params)}${c.query ?? ''} → ${r.status} ${r.text}`);
        expected.push(`${o.method} ${fill(o.path, c.params)}${c.query ?? ''} → 404 ${c.message}`);
      }
    }
    expect(seen).toEqual(expected);
  });
});
