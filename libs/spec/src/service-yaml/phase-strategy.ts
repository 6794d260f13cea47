import { PHASE_STRATEGIES, type PhaseSpec } from '@marshal/contracts';
import type { Issues } from '../validation-error';
import type { Field, YamlReader } from '../yaml/yaml-reader';

/** A phase's strategy as svc.yml gives it: a name, or the throttled `parallel: {max-concurrent: N}`. */
export interface PhaseStrategyRead {
  strategy: PhaseSpec['strategy'];
  maxConcurrent?: number;
}

const THROTTLED = 'parallel';
const MAX_CONCURRENT = 'max-concurrent';

/**
 * `strategy:` of a phase: one of the SDK's names (reference §2.2), or — Marshal's extension after Digital.ai Deploy's
 * throttled parallel orchestrators (other-systems §1a.2) — `parallel: {max-concurrent: N}`, a parallel phase with at
 * most N steps in progress. Every problem is reported at its path; an unusable value reads as `serial`.
 */
export function readPhaseStrategy(field: Field | undefined, phasePath: string, reader: YamlReader, issues: Issues): PhaseStrategyRead {
  const path = `${phasePath}.strategy`;
  if (field && reader.isMapping(field.value, path)) {
    const options = reader.object(field.value, path, [THROTTLED]);
    const parallel = options?.get(THROTTLED);
    if (!parallel) {
      issues.error(path, `A strategy given as a mapping must be '${THROTTLED}: {${MAX_CONCURRENT}: N}'`);
      return { strategy: 'serial' };
    }
    const limits = reader.object(parallel.value, parallel.path, [MAX_CONCURRENT]);
    const n = reader.integer(limits?.get(MAX_CONCURRENT)?.value, `${parallel.path}.${MAX_CONCURRENT}`);
    if (n === undefined) {
      if (!limits?.has(MAX_CONCURRENT)) issues.error(`${parallel.path}.${MAX_CONCURRENT}`, `Missing required '${MAX_CONCURRENT}' of the throttled parallel strategy`);
      return { strategy: THROTTLED };
    }
    if (n < 1) {
      issues.error(`${parallel.path}.${MAX_CONCURRENT}`, `must be at least 1, got ${n}`);
      return { strategy: THROTTLED };
    }
    return { strategy: THROTTLED, maxConcurrent: n };
  }
  const name = reader.string(field?.value, path) ?? 'serial';
  if (!(PHASE_STRATEGIES as readonly string[]).includes(name)) {
    issues.error(path, `Unsupported phase strategy '${name}', expected one of: [${PHASE_STRATEGIES.join(', ')}]`);
    return { strategy: 'serial' };
  }
  return { strategy: name as PhaseSpec['strategy'] };
}
