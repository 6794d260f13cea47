import type { OpenAPIObject } from '@nestjs/swagger';
import { HTTP_ROUTES, splitRoute, type HttpRoute, type HttpRouteDefinition } from '@marshal/contracts';
import { PUBLIC_EXTENSION, ROLE_EXTENSION, defaultRole } from '../auth/auth.guard';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * States on every operation of the OpenAPI document what the auth guard enforces: `x-marshal-role` (the least role:
 * the route's own, else viewer for reads and operator for the rest), and no security requirement for public routes.
 */
export function annotateRoles(doc: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method] as (Record<string, unknown> & { security?: unknown[] }) | undefined;
      if (!op) continue;
      if (op[PUBLIC_EXTENSION] === true) {
        op.security = [];
        delete op[ROLE_EXTENSION];
        continue;
      }
      const role = (op[ROLE_EXTENSION] as string | undefined) ?? defaultRole(method);
      op[ROLE_EXTENSION] = role;
      const note = `Needs a token of role ${role} or above.`;
      op['description'] = op['description'] ? `${String(op['description'])}\n\n${note}` : note;
    }
  }
  return doc;
}

/** Where a route of the catalogue is mounted: its own path, and for a service's routes the per-service prefixes (§6.9). */
function mountsOf(path: string): { own: string; perService: string[] } {
  const rest = path.startsWith('/v1/') ? path.slice('/v1'.length) : path;
  return { own: path, perService: [`/v1/service/{service}${rest}`, `/v1/multi/{service}${rest}`] };
}

/** A TypeBox schema as plain JSON Schema (without TypeBox's symbol keys). */
const plainSchema = (schema: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

/**
 * Takes the request and response bodies of the routes the CLI calls from their one declaration (`HTTP_ROUTES` in
 * `@marshal/contracts`), and checks that the controllers serve each of them: a route of the catalogue missing from the
 * document is an error at start, so the catalogue cannot describe a route the gateway does not have.
 */
export function describeBodies(doc: OpenAPIObject): OpenAPIObject {
  const missing: string[] = [];
  for (const [route, def] of Object.entries(HTTP_ROUTES) as [HttpRoute, HttpRouteDefinition][]) {
    const [method, path] = splitRoute(route);
    const { own, perService } = mountsOf(path);
    const key = method.toLowerCase() as (typeof METHODS)[number];
    if (!doc.paths[own]?.[key]) missing.push(route);
    for (const p of [own, ...perService]) {
      const op = doc.paths[p]?.[key] as (Record<string, unknown> & { responses?: Record<string, Record<string, unknown>> }) | undefined;
      if (!op) continue;
      if (def.body) op['requestBody'] = { required: def.bodyOptional !== true, content: { 'application/json': { schema: plainSchema(def.body) } } };
      const responses = (op.responses ??= {});
      const success = Object.keys(responses).filter((code) => /^2\d\d$/.test(code));
      for (const code of success.length ? success : ['200']) {
        responses[code] = { description: String(responses[code]?.['description'] ?? ''), content: { 'application/json': { schema: plainSchema(def.response) } } };
      }
    }
  }
  if (missing.length) throw new Error(`the OpenAPI document lacks routes of the HTTP catalogue: ${missing.join(', ')}`);
  return doc;
}
