import type { OpenAPIObject } from '@nestjs/swagger';
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
