import Ajv from 'ajv';
import { HTTP_ROUTES, pathMatchesRoute, splitRoute, type HttpRoute } from './routes.http';

describe('the HTTP route catalogue', () => {
  it.each([
    ['GET /v1/services', 'v1/services', true],
    ['GET /v1/services/{name}', 'v1/services/hello-world', true],
    ['GET /v1/services/{name}', 'v1/services', false],
    ['GET /v1/plans/{plan}', 'v1/plans/deploy?seq=4', true],
    ['GET /v1/plans/{plan}', 'v1/service/hello-world/plans/deploy', true],
    ['GET /v1/plans/{plan}', '/v1/multi/hello-world/plans/deploy', true],
    ['GET /v1/plans/{plan}', 'v1/service/hello-world/plans/deploy/interrupt', false],
    ['POST /v1/plans/{plan}/interrupt', 'v1/service/hello-world/plans/deploy/interrupt?phase=x', true],
    ['GET /v2/debug/offers', 'v2/debug/offers', true],
    ['GET /v2/debug/offers', 'v1/service/hello-world/v2/debug/offers', true],
    ['GET /v1/events/{id}/chain', 'v1/events/abc/chain', true],
    ['GET /v1/events', 'v1/events/abc/chain', false],
  ] as [HttpRoute, string, boolean][])('%s matches %s: %s', (route, path, matches) => {
    expect(pathMatchesRoute(route, path)).toBe(matches);
  });

  it('every route names a method and a versioned path, and its schemas compile', () => {
    const ajv = new Ajv({ strict: false });
    for (const [route, def] of Object.entries(HTTP_ROUTES)) {
      const [method, path] = splitRoute(route as HttpRoute);
      expect(`${method} ${path}`).toMatch(/^(GET|POST|PUT|DELETE) \/v[12]\//);
      expect(() => ajv.compile(def.response)).not.toThrow();
      if ('body' in def) expect(() => ajv.compile(def.body)).not.toThrow();
    }
  });
});
