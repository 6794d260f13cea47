/**
 * @marshal/spec — the ServiceSpec library: render a package or a bare svc.yml into a validated, normalized
 * ServiceSpec, validate updates against the current target, diff configurations, and tell the plan lib which
 * tasks must relaunch.
 */
export type { ValidationError } from './validation-error';
export { renderPackage, marathonContext, PACKAGE_FILES, type RenderOptions } from './package/render-package';
export { renderServiceYaml, type RenderResult, type RenderServiceYamlOptions } from './render/render-service-yaml';
export {
  validateConfiguration,
  DEFAULT_VALIDATORS,
  taskEnvCannotChange,
  zoneCannotChange,
  podUsesHostPorts,
  type ConfigValidator,
  type TaskEnvRule,
  type ValidationContext,
} from './validate/config-validators';
export { checkServiceSpec } from './service-yaml/check-service-spec';
export { diffSpecs } from './diff/diff-specs';
export { computeDeltas, deltaSummary, changedSettings, type DeltaSide } from './diff/deltas';
export { podSpecChanged, taskConfigHash } from './compare/pod-spec';
export { canonicalJson } from './compare/canonical-json';
export { resolveServiceUser, serviceRole, toEnvName } from './service-yaml/naming';
export { taskcfgEnv } from './service-yaml/build-service-spec';
export { extractDefaults, mergeOptions, resolveOptions, pointerTooDeep, compiledSchemaCount, MAX_OPTIONS_DEPTH } from './package/package-options';
export { DEFAULT_SPEC_LIMITS, isBoundError, specLimits, type SpecLimits } from './limits';
export { renderMustache, toMustacheView, missingValuesMessage, type MissingValue } from './template/mustache-template';
