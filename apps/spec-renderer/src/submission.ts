import { isDeepStrictEqual } from 'node:util';
import type { CommandRequest, EventData, Package, ServiceSpec, ValidationError } from '@marshal/contracts';
import { parsePlacement } from '@marshal/offer';
import { diffSpecs, PACKAGE_FILES, podSpecChanged, renderPackage, validateConfiguration } from '@marshal/spec';
import type { ConfigurationHistory } from './configuration-history';

export type SubmitRequest = CommandRequest<'spec.submit'> | CommandRequest<'spec.render'>;

/**
 * What a submission becomes:
 * - `refused`: the request cannot be acted on at all (unknown service, install over an existing one, no package);
 * - `rejected`: the configuration is invalid. `record` says whether a ConfigurationRejected is appended: only for an
 *   update whose package rendered into a spec the validators refused — the target stays and the errors show on the
 *   deploy plan, as the original attached them (reference §3.8.2). Input that never became a spec (options failing
 *   config.json, template or YAML syntax, oversized files) and failed installs leave no trace in the log;
 * - `unchanged`: the candidate equals the target (reference §3.8.2 step 3): nothing is appended;
 * - `accepted`: a new target.
 */
export type SubmissionOutcome =
  | { kind: 'refused'; code: 'NOT_FOUND' | 'CONFLICT' | 'INVALID_ARGUMENT'; message: string }
  | { kind: 'rejected'; service: string; errors: ValidationError[]; warnings: string[]; spec: ServiceSpec | null; record: boolean }
  | { kind: 'unchanged'; service: string; configId: string; warnings: string[]; spec: ServiceSpec }
  | { kind: 'accepted'; service: string; spec: ServiceSpec; warnings: string[]; diff: string; event: Omit<EventData<'ConfigurationAccepted'>, 'configId'> };

/** Placement strings are parsed by the offer lib; a bad one is a validation error on that pod (reference §5.5). */
export function placementErrors(spec: ServiceSpec): ValidationError[] {
  const errors: ValidationError[] = [];
  for (const pod of spec.pods) {
    if (pod.placement === undefined) continue;
    const parsed = parsePlacement(pod.placement, pod.type);
    if ('error' in parsed) {
      errors.push({ path: `pods.${pod.type}.placement`, message: `The PlacementRule for PodSpec '${pod.type}' had invalid constraints: ${parsed.error}` });
    }
  }
  return errors;
}

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
 * The service a submission addresses: the name given, else (install) the `name` of the package rendered with the
 * given options. Undefined when the package does not render: evaluation then reports why.
 */
export function serviceNameOf(request: SubmitRequest): string | undefined {
  if (request.service) return request.service;
  if (!request.package) return undefined;
  return renderPackage(request.package, { options: request.options }).spec?.name;
}

/**
 * Decides what a submitted configuration becomes (reference §3.8.2): render the package with the merged options
 * (defaults ← stored ← provided, or without stored on `replace`), check placement and every validator against the
 * current target, then accept, reject, or report that nothing changed.
 */
export function evaluateSubmission(
  request: SubmitRequest,
  mode: 'install' | 'update',
  service: string | undefined,
  history: ConfigurationHistory,
  deploymentCompleted: boolean,
): SubmissionOutcome {
  const target = history.target;
  if (mode === 'update' && !target) return { kind: 'refused', code: 'NOT_FOUND', message: `Service ${service ?? '(unnamed)'} not found` };
  if (mode === 'install' && target) {
    return { kind: 'refused', code: 'CONFLICT', message: `Service ${service} already exists; use an update to change it` };
  }
  const pkg: Package | undefined = request.package ?? target?.package;
  if (!pkg) return { kind: 'refused', code: 'INVALID_ARGUMENT', message: 'a package is required to install a service' };

  const rendered = renderPackage(pkg, {
    options: request.options,
    storedOptions: request.replace ? undefined : target?.options,
    replace: request.replace,
    env: request.service ? { FRAMEWORK_NAME: request.service } : undefined,
  });
  const name = service ?? rendered.spec?.name ?? '';
  const rejected = (errors: ValidationError[], spec: ServiceSpec | null): SubmissionOutcome => ({
    kind: 'rejected',
    service: name,
    errors,
    warnings: rendered.warnings,
    spec,
    record: mode === 'update' && !errors.some(isInputError),
  });
  if (!rendered.spec) return rejected(rendered.errors, null);
  // The service's identity wins over a `name:` hard-coded in svc.yml.
  const spec: ServiceSpec = { ...rendered.spec, name };
  const previous = target?.spec ?? null;
  const errors = [...placementErrors(spec), ...validateConfiguration(previous, spec, { deploymentCompleted })];
  if (errors.length) return rejected(errors, spec);
  if (target && isDeepStrictEqual(target.spec, spec)) {
    return { kind: 'unchanged', service: name, configId: target.configId, warnings: rendered.warnings, spec };
  }
  const diff = diffSpecs(previous, spec);
  return {
    kind: 'accepted',
    service: name,
    spec,
    warnings: rendered.warnings,
    diff,
    event: {
      service: name,
      previousConfigId: target?.configId ?? null,
      spec,
      options: rendered.resolvedOptions,
      package: pkg,
      schedulerEnv: rendered.schedulerEnv,
      warnings: rendered.warnings,
      diff,
      changedPods: previous ? previous.pods.filter((p) => spec.pods.some((n) => n.type === p.type) && podSpecChanged(previous, spec, p.type)).map((p) => p.type) : [],
    },
  };
}
