import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { MarshalError } from '@marshal/contracts';

/**
 * Operator input may not carry text that PostgreSQL's `text` type or a JSON consumer cannot hold: a NUL character, or
 * a UTF-16 surrogate without its pair. Such text is refused at the edge, naming where it is, so no event in the log
 * carries it.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a string, or undefined when it is fine. */
export function badText(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/** JSON pointer escaping of one key (RFC 6901), shortened so a huge key cannot make a huge message. */
function pointerPart(key: string): string {
  const k = key.replace(/~/g, '~0').replace(/\//g, '~1');
  return k.length > 64 ? `${k.slice(0, 64)}…` : k;
}

/**
 * The first string or key with bad text in a value of any depth, as `{ path, message }` with the path under `root`
 * (`body/parameters/A`, `query/phase`). Iterative: a deeply nested body cannot exhaust the stack.
 */
export function findBadText(value: unknown, root: string): { path: string; message: string } | undefined {
  const stack: Array<[unknown, string]> = [[value, root]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, path] = item;
    if (typeof v === 'string') {
      const why = badText(v);
      if (why) return { path, message: why };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const entries: Array<[string, unknown]> = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    for (const [k, child] of entries) {
      const at = `${path}/${pointerPart(k)}`;
      const why = badText(k);
      if (why) return { path: at, message: `the name ${why}` };
      stack.push([child, at]);
    }
  }
  return undefined;
}

/** Checks path parameters, the query string and a JSON body of a request; throws INVALID_ARGUMENT naming the field. */
export function assertCleanText(req: Pick<FastifyRequest, 'params' | 'query' | 'body'>): void {
  for (const [root, value] of [
    ['path', req.params],
    ['query', req.query],
    ['body', req.body],
  ] as const) {
    const bad = findBadText(value, root);
    if (bad) throw new MarshalError('INVALID_ARGUMENT', `${bad.path} ${bad.message}`, [bad]);
  }
}

/** Every route: refuses bad text in parameters, query and body (after the auth guard, before the body schemas). */
@Injectable()
export class CleanTextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') assertCleanText(context.switchToHttp().getRequest<FastifyRequest>());
    return next.handle();
  }
}
