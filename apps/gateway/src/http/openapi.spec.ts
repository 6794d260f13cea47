import type { OpenAPIObject } from '@nestjs/swagger';
import { annotateRoles } from './openapi';

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
