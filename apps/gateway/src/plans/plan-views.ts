import { gzipSync } from 'node:zlib';
import { Injectable } from '@nestjs/common';
import { ReadModelQueries, type PlanJson } from '@marshal/persistence';
import { planHasErrors } from '@marshal/plan';
import { ReadModelCache } from '../http/read-model-cache';

/** `GET /v1/plans/{plan}`: 417 when the plan has errors, 200 when complete, else 202 (reference §6.2). */
export function planHttpStatus(plan: PlanJson): number {
  if (planHasErrors(plan)) return 417;
  return plan.status === 'COMPLETE' ? 200 : 202;
}

export interface PlanView {
  status: number;
  /** The plan JSON, pretty-printed as the original does (two spaces). */
  body: Buffer;
  /** The same bytes gzipped, compressed on first use and kept as long as the view (for clients that accept gzip). */
  gzipped(): Buffer;
}

export function planView(status: number, body: Buffer): PlanView {
  let gzipped: Buffer | undefined;
  return { status, body, gzipped: () => (gzipped ??= gzipSync(body)) };
}

/**
 * The answer of `GET /v1/plans/{plan}`, read and serialized once per change of the read models instead of once per
 * request: a 1,000-step plan is ~170 KB of JSON from three queries, and live views poll it.
 */
@Injectable()
export class PlanViews {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly cache: ReadModelCache,
  ) {}

  /** `fresh`: read the database even if a cached answer is valid (the client sent `Cache-Control: no-cache`). */
  plan(service: string, name: string, fresh = false): Promise<PlanView | undefined> {
    return this.cache.get(
      `plan\u0000${service}\u0000${name}`,
      async () => {
        const plan = await this.queries.plan(service, name);
        return plan && planView(planHttpStatus(plan), Buffer.from(JSON.stringify(plan, null, 2)));
      },
      fresh,
    );
  }
}
