import type { OpenAPIObject } from '@nestjs/swagger';
import { HTTP_ROUTES, splitRoute, type HttpRoute } from '@marshal/contracts';
import { annotateRoles, describeBodies } from './openapi';

describe('the OpenAPI document states the role of every operation', () => {
  it('reads need viewer, other methods operator unless the route names its role; public routes need no token', () => {
    const doc = annotateRoles({
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      paths: {
        '/v1/plans': { get: { responses: {} } },
        '/v1/plans/{plan}/stop': { post: { responses: {}, description: 'Stop a plan.' } },
        '/v1/services': { post: { responses: {}, 'x-marshal-role': 'admin' } },
        '/ui': { get: { responses: {}, 'x-marshal-public': true } },
      },
    } as unknown as OpenAPIObject);
    const op = (path: string, method: string) => (doc.paths[path] as Record<string, Record<string, unknown>>)[method];
    expect(op('/v1/plans', 'get')['x-marshal-role']).toBe('viewer');
    expect(op('/v1/plans/{plan}/stop', 'post')).toMatchObject({ 'x-marshal-role': 'operator', description: 'Stop a plan.\n\nNeeds a token of role operator or above.' });
    expect(op('/v1/services', 'post')['x-marshal-role']).toBe('admin');
    expect(op('/ui', 'get')).toMatchObject({ security: [] });
    expect(op('/ui', 'get')['x-marshal-role']).toBeUndefined();
  });
});

describe('the OpenAPI document takes its bodies from the HTTP catalogue of contracts', () => {
  /** A document with every catalogue route (and its per-service mounts), as the controllers would generate it. */
  function docWithRoutes(except?: string): OpenAPIObject {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of Object.keys(HTTP_ROUTES) as HttpRoute[]) {
      if (route === except) continue;
      const [method, path] = splitRoute(route);
      const variants = path.startsWith('/v1/services') || path.startsWith('/v1/agents') || path.startsWith('/v1/admin') ? [path] : [path, path.startsWith('/v1/') ? `/v1/service/{service}${path.slice(3)}` : `/v1/service/{service}${path}`];
      for (const p of variants) (paths[p] ??= {})[method.toLowerCase()] = { responses: method === 'POST' ? { '201': { description: '' } } : { '200': { description: '' } } };
    }
    return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths } as unknown as OpenAPIObject;
  }
  const op = (doc: OpenAPIObject, path: string, method: string) => (doc.paths[path] as Record<string, Record<string, unknown>>)[method];

  it('request and response schemas are the catalogue’s, on every mount of a route', () => {
    const doc = describeBodies(docWithRoutes());
    expect(op(doc, '/v1/services', 'post')['requestBody']).toEqual({ required: true, content: { 'application/json': { schema: JSON.parse(JSON.stringify(HTTP_ROUTES['POST /v1/services'].body)) } } });
    expect(op(doc, '/v1/services', 'post')['responses']).toEqual({ '201': { description: '', content: { 'application/json': { schema: JSON.parse(JSON.stringify(HTTP_ROUTES['POST /v1/services'].response)) } } } });
    for (const path of ['/v1/plans/{plan}', '/v1/service/{service}/plans/{plan}']) {
      const schema = (op(doc, path, 'get')['responses'] as Record<string, { content: Record<string, { schema: { required: string[] } }> }>)['200'].content['application/json'].schema;
      expect(schema.required).toEqual(['phases', 'errors', 'status', 'strategy']);
    }
  });

  it('a catalogue route the gateway does not serve is an error naming it', () => {
    expect(() => describeBodies(docWithRoutes('GET /v1/events/{id}/chain'))).toThrow('the OpenAPI document lacks routes of the HTTP catalogue: GET /v1/events/{id}/chain');
  });
});
