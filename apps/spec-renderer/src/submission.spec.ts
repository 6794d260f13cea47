import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRequest, Package } from '@marshal/contracts';
import { limitsOf } from './limits';
import { evaluateSubmission } from './submission';

function helloWorld(): Package {
  const dir = join(__dirname, '..', '..', '..', 'examples', 'hello-world');
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) files[f] = readFileSync(join(dir, f), 'utf8');
  return { name: 'hello-world', version: '1.0.0', files };
}

const install = (options: Record<string, unknown>): CommandRequest<'spec.submit'> => ({
  meta: { commandId: randomUUID(), actor: 'admin:test', correlationId: randomUUID() },
  mode: 'install',
  package: helloWorld(),
  options,
  replace: false,
});
const empty = { target: null, accepted: 0, lastSeq: 0 };

describe('a submission over a bound is refused before anything is appended', () => {
  it('refuses a configuration whose deploy plan would be a larger event than MAX_EVENT_BYTES, with both sizes, recording nothing', () => {
    const limits = limitsOf({ MAX_EVENT_BYTES: 64 * 1024 }, 1024 * 1024);
    const outcome = evaluateSubmission(install({ hello: { count: 300 } }), 'install', 'hello-world', empty, false, limits);
    expect(outcome).toMatchObject({ kind: 'rejected', record: false });
    const errors = outcome.kind === 'rejected' ? outcome.errors : [];
    expect(errors).toEqual([{ path: 'pods', message: expect.stringMatching(/^plan deploy \(300 steps\) would take \d+ bytes as its PlanGenerated event; an event may take at most 65536 bytes \(MAX_EVENT_BYTES\)/) }]);
    // Within the bound, the same package is accepted.
    expect(evaluateSubmission(install({ hello: { count: 10 } }), 'install', 'hello-world', empty, false, limits).kind).toBe('accepted');
  });

  it('refuses more steps than MAX_STEPS_PER_PLAN', () => {
    const outcome = evaluateSubmission(install({ hello: { count: 30 } }), 'install', 'hello-world', empty, false, limitsOf({ MAX_STEPS_PER_PLAN: 20 }, undefined));
    expect(outcome).toMatchObject({ kind: 'rejected', record: false, errors: [{ path: 'pods', message: 'plan deploy would have 30 steps; a plan may have at most 20 (MAX_STEPS_PER_PLAN)' }] });
  });

  it('never takes events larger than the NATS server carries, whatever MAX_EVENT_BYTES says', () => {
    expect(limitsOf({ MAX_EVENT_BYTES: 64 * 1024 * 1024 }, 1024 * 1024).plan.maxEventBytes).toBe(1024 * 1024 - 4 * 1024);
    expect(limitsOf({}, undefined).spec.maxPodsPerType).toBe(1000);
  });
});
