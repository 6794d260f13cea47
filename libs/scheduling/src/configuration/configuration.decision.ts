import { isDeepStrictEqual } from 'node:util';
import type { ServiceSpec, ValidationError } from '@marshal/contracts';
import { diffSpecs, PACKAGE_FILES, podSpecChanged, validateConfiguration } from '@marshal/spec';
import { placementErrors } from './placement-validation';

/** What rendering a package (or a bare svc.yml) gave: a spec, or the errors that kept it from being one. */
export interface RenderedCandidate {
  spec: ServiceSpec | null;
  errors: ValidationError[];
}

/** The service's current target configuration, if it has one. */
export interface ConfigurationTarget {
  configId: string;
  spec: ServiceSpec;
}

export interface ConfigurationContext {
  mode: 'install' | 'update';
  /** The deploy plan completed once (reference §2.7): relaxes the role validator of reference §4.8. */
  deploymentCompleted: boolean;
  /** The service's name, which wins over a `name:` hard-coded in svc.yml; the rendered name when absent. */
  service?: string;
}

/**
 * What the configuration aggregate decides about a candidate (reference §3.8.2):
 * - `rejected`: every error; `record` says whether the rejection belongs in the log — only for an update whose
 *   package rendered into a spec the validators refused (the target stays and the errors show on the deploy plan).
 *   Input that never became a spec and every failed install leave no trace;
 * - `unchanged`: the candidate equals the target (reference §3.8.2 step 3);
 * - `accepted`: a new target, with its diff from the previous one and the pods whose spec changed.
 */
export type ConfigurationDecision =
  | { kind: 'rejected'; errors: ValidationError[]; spec: ServiceSpec | null; record: boolean }
  | { kind: 'unchanged'; configId: string; spec: ServiceSpec }
  | { kind: 'accepted'; spec: ServiceSpec; diff: string; changedPods: string[] };

const PACKAGE_FILE_NAMES: readonly string[] = Object.values(PACKAGE_FILES);

/**
 * An error located in the input rather than in the spec: an option (JSON pointer), a package file as a whole
 * (syntax, size, template errors) or the env overrides. Such input never became a configuration.
 */
export function isInputError(e: ValidationError): boolean {
  if (e.path.startsWith('/') || e.path === 'package' || e.path === 'env' || e.path.startsWith('env.')) return true;
  return PACKAGE_FILE_NAMES.some((f) => e.path === f || e.path.startsWith(`${f}:`));
}

/**
 * Accept, reject, or report no change (reference §3.8.2): placement and every validator of reference §4.8 checked
 * against the current target. spec-renderer decides submissions with it; the CLI's offline verbs decide a first
 * install with it, so both refuse exactly the same specs.
 */
export function decideConfiguration(candidate: RenderedCandidate, target: ConfigurationTarget | null, ctx: ConfigurationContext): ConfigurationDecision {
  const rejected = (errors: ValidationError[], spec: ServiceSpec | null): ConfigurationDecision => ({
    kind: 'rejected',
    errors,
    spec,
    record: ctx.mode === 'update' && !errors.some(isInputError),
  });
  if (!candidate.spec) return rejected(candidate.errors, null);
  const spec: ServiceSpec = ctx.service === undefined ? candidate.spec : { ...candidate.spec, name: ctx.service };
  const previous = target?.spec ?? null;
  const errors = [...placementErrors(spec), ...validateConfiguration(previous, spec, { deploymentCompleted: ctx.deploymentCompleted })];
  if (errors.length) return rejected(errors, spec);
  if (target && isDeepStrictEqual(target.spec, spec)) return { kind: 'unchanged', configId: target.configId, spec };
  return {
    kind: 'accepted',
    spec,
    diff: diffSpecs(previous, spec),
    changedPods: previous ? previous.pods.filter((p) => spec.pods.some((n) => n.type === p.type) && podSpecChanged(previous, spec, p.type)).map((p) => p.type) : [],
  };
}
