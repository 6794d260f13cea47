import type { ServiceSpec } from '@marshal/contracts';
import { buildServiceSpec } from '../service-yaml/build-service-spec';
import { DEFAULT_SPEC_LIMITS, specLimits, type SpecLimits } from '../limits';
import { checkServiceSpec } from '../service-yaml/check-service-spec';
import { formatMissing, missingValuesMessage, renderMustache, toMustacheView } from '../template/mustache-template';
import { Issues, type ValidationError } from '../validation-error';
import { parseYaml, YamlReader } from '../yaml/yaml-reader';

export interface RenderResult {
  /** The validated, normalized spec; null when there are errors. */
  spec: ServiceSpec | null;
  /** Resolved options: defaults ← stored ← provided (empty for a bare svc.yml). */
  resolvedOptions: Record<string, unknown>;
  /** The environment svc.yml was rendered with: marathon.json.mustache's `env` plus `--env` overrides. */
  schedulerEnv: Record<string, string>;
  /** Every error found, not only the first. */
  errors: ValidationError[];
  warnings: string[];
}

export interface RenderServiceYamlOptions {
  /** Config templates by path relative to the YAML's directory. */
  files?: Record<string, string>;
  /** Missing template values are errors, not warnings. */
  strict?: boolean;
  /** Name used in messages, `svc.yml` unless given. */
  fileName?: string;
  /** Bounds (pods, sizes); the defaults when not given. */
  limits?: Partial<SpecLimits>;
}

/**
 * Default upper bound on a svc.yml (SpecLimits.maxServiceYamlBytes). Real ones are tens of kilobytes (cassandra's is
 * 30 KB); larger input is refused with a clear error rather than tying up a renderer, and a rendered spec must also
 * fit a 1 MiB NATS message.
 */
export const MAX_SERVICE_YAML_LENGTH = DEFAULT_SPEC_LIMITS.maxServiceYamlBytes;

const encoder = new TextEncoder();

/** UTF-8 bytes of a text. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;

/**
 * A bare svc.yml rendered with an environment (no package), e.g. `marshal spec render svc.yml --env K=V`:
 * Mustache with the environment (reference §4.9), then parse, normalize and the construction-time checks.
 * The update validators of §4.8 are not run here: see `validateConfiguration`.
 */
export function renderServiceYaml(
  yaml: string,
  env: Record<string, string>,
  opts: RenderServiceYamlOptions = {},
): RenderResult {
  const issues = new Issues();
  const schedulerEnv = { ...env };
  const spec = renderAndBuild(yaml, schedulerEnv, opts, issues);
  return {
    spec: issues.ok ? spec : null,
    resolvedOptions: {},
    schedulerEnv,
    errors: issues.errors,
    warnings: issues.warnings,
  };
}

/** Shared by renderServiceYaml and renderPackage: errors and warnings go to `issues`. */
export function renderAndBuild(
  yaml: string,
  env: Record<string, string>,
  opts: RenderServiceYamlOptions,
  issues: Issues,
): ServiceSpec | null {
  if (typeof yaml !== 'string') {
    issues.error(opts.fileName ?? 'svc.yml', 'the service YAML must be text');
    return null;
  }
  const fileName = opts.fileName ?? 'svc.yml';
  const limits = specLimits(opts.limits);
  // Characters first: a string of more characters than the bound has at least as many bytes, and costs nothing to count.
  const size = yaml.length > limits.maxServiceYamlBytes ? yaml.length : utf8Bytes(yaml);
  if (size > limits.maxServiceYamlBytes) {
    issues.error(fileName, `${fileName} is ${mib(size)}; a service YAML may be at most ${mib(limits.maxServiceYamlBytes)} (MAX_SERVICE_YAML_BYTES)`);
    return null;
  }
  const rendered = renderMustache(yaml, toMustacheView(env));
  if (!rendered.ok) {
    issues.error(fileName, `Mustache template error: ${rendered.message}`);
    return null;
  }
  // Options and sections can make a small template render into a huge text: bound what is parsed, too.
  const renderedSize = rendered.text.length > limits.maxRenderedServiceYamlBytes ? rendered.text.length : utf8Bytes(rendered.text);
  if (renderedSize > limits.maxRenderedServiceYamlBytes) {
    issues.error(
      fileName,
      `${fileName} renders to ${renderedSize} bytes with these options; a rendered service YAML may be at most ${limits.maxRenderedServiceYamlBytes} bytes (MAX_RENDERED_SERVICE_YAML_BYTES)`,
    );
    return null;
  }
  if (rendered.missing.length > 0) {
    if (opts.strict) issues.error(fileName, missingValuesMessage(fileName, rendered.missing, env));
    else issues.warn(`${fileName}: missing template values rendered as empty: ${formatMissing(rendered.missing)}`);
  }

  const parsed = parseYaml(rendered.text, fileName, issues);
  if (!issues.ok || parsed.doc === null) return null;
  const reader = new YamlReader(parsed.doc, issues);
  const spec = buildServiceSpec(parsed.root, { reader, issues, env, files: opts.files ?? {} });
  if (!spec) return null;

  // The builder already explained problems at these paths; the spec-level checks would only repeat them.
  const flagged = new Set(issues.errors.map((e) => e.path));
  const checked = checkServiceSpec(spec, limits);
  for (const e of checked.errors) if (!flagged.has(e.path)) issues.error(e.path, e.message);
  for (const w of checked.warnings) issues.warn(w);
  return spec;
}
