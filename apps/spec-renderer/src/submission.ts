import type { CommandRequest, EventData, Package, PodDelta, ServiceSpec, ValidationError } from '@marshal/contracts';
import { planBoundProblems } from '@marshal/plan';
import { decideConfiguration } from '@marshal/scheduling';
import { computeDeltas, isBoundError, renderPackage } from '@marshal/spec';
import type { ConfigurationHistory } from './configuration-history';
import type { Limits } from './limits';

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
  | { kind: 'unchanged'; service: string; configId: string; warnings: string[]; spec: ServiceSpec; deltas: PodDelta[] }
  | {
      kind: 'accepted';
      service: string;
      spec: ServiceSpec;
      warnings: string[];
      diff: string;
      /** Against the current target; the new configuration's id is not known yet (`afterConfigId` null). */
      deltas: PodDelta[];
      event: Omit<EventData<'ConfigurationAccepted'>, 'configId'>;
    };

/**
 * The service a submission addresses: the name given, else (install) the `name` of the package rendered with the
 * given options. Undefined when the package does not render: evaluation then reports why.
 */
export function serviceNameOf(request: SubmitRequest, limits?: Limits): string | undefined {
  if (request.service) return request.service;
  if (!request.package) return undefined;
  return renderPackage(request.package, { options: request.options, limits: limits?.spec }).spec?.name;
}

/**
 * Decides what a submitted configuration becomes (reference §3.8.2): render the package with the merged options
 * (defaults ← stored ← provided, or without stored on `replace`), then let the configuration decision of
 * `@marshal/scheduling` accept, reject, or report that nothing changed.
 */
export function evaluateSubmission(
  request: SubmitRequest,
  mode: 'install' | 'update',
  service: string | undefined,
  history: ConfigurationHistory,
  deploymentCompleted: boolean,
  limits?: Limits,
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
    limits: limits?.spec,
  });
  const name = service ?? rendered.spec?.name ?? '';
  const decision = decideConfiguration(rendered, target ? { configId: target.configId, spec: target.spec } : null, { mode, deploymentCompleted, service: name });
  switch (decision.kind) {
    case 'rejected':
      // A bound hit (pods, sizes) is refused without a trace, as input that never became a spec: nothing appended.
      return { kind: 'rejected', service: name, errors: decision.errors, warnings: rendered.warnings, spec: decision.spec, record: decision.record && !decision.errors.some(isBoundError) };
    case 'unchanged':
      return {
        kind: 'unchanged',
        service: name,
        configId: decision.configId,
        warnings: rendered.warnings,
        spec: decision.spec,
        deltas: computeDeltas({ spec: decision.spec, configId: decision.configId }, { spec: decision.spec, configId: decision.configId }),
      };
    case 'accepted': {
      const { spec, diff, changedPods } = decision;
      // The plans this configuration would get must fit their bounds (steps, event size): refused here, before
      // anything is appended, rather than failing later in plan-manager.
      const tooBig = limits ? planBoundProblems(spec, limits.plan, deploymentCompleted) : [];
      if (tooBig.length > 0) return { kind: 'rejected', service: name, errors: tooBig, warnings: rendered.warnings, spec, record: false };
      return {
        kind: 'accepted',
        service: name,
        spec,
        warnings: rendered.warnings,
        diff,
        deltas: computeDeltas({ spec: target?.spec ?? null, configId: target?.configId ?? null }, { spec, configId: null }),
        event: {
          service: name,
          previousConfigId: target?.configId ?? null,
          spec,
          options: rendered.resolvedOptions,
          package: pkg,
          schedulerEnv: rendered.schedulerEnv,
          warnings: rendered.warnings,
          diff,
          changedPods,
        },
      };
    }
  }
}
