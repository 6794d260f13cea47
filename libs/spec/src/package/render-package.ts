import type { Package } from '@marshal/contracts';
import { specLimits, type SpecLimits } from '../limits';
import { renderAndBuild, utf8Bytes, type RenderResult } from '../render/render-service-yaml';
import { renderMustache } from '../template/mustache-template';
import { Issues } from '../validation-error';
import { isPlainObject, type JsonObject, resolveOptions } from './package-options';

/** File names inside a package (reference §8.3). */
export const PACKAGE_FILES = {
  svc: 'svc.yml',
  config: 'config.json',
  marathon: 'marathon.json.mustache',
  resource: 'resource.json',
} as const;

export interface RenderOptions {
  /** Options provided now. */
  options?: Record<string, unknown>;
  /** Resolved options of the current target (update). */
  storedOptions?: Record<string, unknown>;
  /** Drop stored options (`--replace`). */
  replace?: boolean;
  /** Missing svc.yml template values are errors, not warnings. */
  strict?: boolean;
  /** Extra scheduler env (`--env K=V`), applied over the package's. */
  env?: Record<string, string>;
  /** Bounds (pods, sizes, option schemas); the defaults when not given. */
  limits?: Partial<SpecLimits>;
}

/**
 * Two-layer rendering (seed 001 "Defining a Target Configuration"): options → config.json (defaults, JSON Schema)
 * → marathon.json.mustache, whose `env` is the scheduler environment → svc.yml rendered with it → ServiceSpec.
 * Construction-time checks included; the update validators of §4.8 are `validateConfiguration`'s job.
 */
export function renderPackage(pkg: Package, opts: RenderOptions = {}): RenderResult {
  const issues = new Issues();
  const fail = (resolvedOptions: Record<string, unknown> = {}, schedulerEnv: Record<string, string> = {}): RenderResult => ({
    spec: null,
    resolvedOptions,
    schedulerEnv,
    errors: issues.errors,
    warnings: issues.warnings,
  });

  if (!isPlainObject(pkg) || !isPlainObject(pkg.files)) {
    issues.error('package', 'a package needs a name, a version and its files');
    return fail();
  }
  const files = pkg.files;
  const limits = specLimits(opts.limits);
  const resolved = resolveOptions(
    { configJson: files[PACKAGE_FILES.config], options: opts.options, storedOptions: opts.storedOptions, replace: opts.replace, limits },
    issues,
  );
  if (!resolved) return fail();

  const schedulerEnv = renderSchedulerEnv(pkg, resolved, issues, limits);
  if (!schedulerEnv) return fail(resolved);
  if (opts.env !== undefined && !isPlainObject(opts.env)) {
    issues.error('env', 'env overrides must be an object of strings');
    return fail(resolved, schedulerEnv);
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (typeof v !== 'string') issues.error(`env.${k}`, `env override must be a string, got ${typeof v}`);
    else schedulerEnv[k] = v;
  }

  const yaml = files[PACKAGE_FILES.svc];
  if (yaml === undefined) {
    issues.error(PACKAGE_FILES.svc, `the package has no ${PACKAGE_FILES.svc}`);
    return fail(resolved, schedulerEnv);
  }
  // Config templates are package files, by path relative to svc.yml (the package root).
  const spec = renderAndBuild(yaml, schedulerEnv, { files, strict: opts.strict, fileName: PACKAGE_FILES.svc, limits }, issues);
  return {
    spec: issues.ok ? spec : null,
    resolvedOptions: resolved,
    schedulerEnv,
    errors: issues.errors,
    warnings: issues.warnings,
  };
}

/**
 * The Mustache context Cosmos gave marathon.json.mustache (reference §8.3): the resolved options, plus
 * `resource` (resource.json) and the values the package build filled in (`package-name`, `package-version`).
 * Strings are JSON-escaped without quotes and nothing is HTML-escaped, as Cosmos did, so a value always lands
 * inside a JSON string intact.
 */
export function marathonContext(pkg: Package, options: JsonObject, resource: JsonObject | undefined): Record<string, unknown> {
  const view = toCosmosView({ ...options, ...(resource ? { resource } : {}) }) as Record<string, unknown>;
  view['package-name'] = toCosmosView(pkg.name);
  view['package-version'] = toCosmosView(pkg.version);
  return view;
}

/** Cosmos jsonToJava: strings JSON-escaped, numbers as Java printed them, lists printing like Java lists. */
function toCosmosView(value: unknown): unknown {
  if (typeof value === 'string') return JSON.stringify(value).slice(1, -1);
  if (typeof value === 'number') return javaNumber(value);
  if (Array.isArray(value)) {
    const list = value.map(toCosmosView);
    // A `{{list}}` tag printed java.util.List#toString: `[a, b]`, `[]` for an empty list.
    Object.defineProperty(list, 'toString', { value: () => `[${list.map((x) => String(x)).join(', ')}]`, enumerable: false });
    return list;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) out[k] = toCosmosView(v);
    return out;
  }
  return value;
}

/** Integers that fit a Java int print as such; other numbers as Java's Double.toString. */
function javaNumber(n: number): string {
  if (Number.isInteger(n) && n >= -2147483648 && n <= 2147483647) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : n < 0 ? '-Infinity' : 'NaN';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(n);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = n.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exp.replace('+', '')}`;
}

function renderSchedulerEnv(pkg: Package, options: JsonObject, issues: Issues, limits: SpecLimits): Record<string, string> | null {
  const files = pkg.files;
  let resource: JsonObject | undefined;
  const resourceText = files[PACKAGE_FILES.resource];
  if (resourceText !== undefined) {
    // Published packages have resource.json filled in by the package build; fill what we know, flag the rest.
    const filled = renderMustache(resourceText, { 'package-name': pkg.name, 'package-version': pkg.version }, { escape: String });
    if (!filled.ok) {
      issues.error(PACKAGE_FILES.resource, `Mustache template error: ${filled.message}`);
      return null;
    }
    if (filled.missing.length > 0) {
      issues.warn(`${PACKAGE_FILES.resource}: build-time values not filled in, rendered empty: ${[...new Set(filled.missing.map((m) => m.name))].join(', ')}`);
    }
    try {
      const parsed: unknown = JSON.parse(filled.text);
      if (!isPlainObject(parsed)) throw new Error('not a JSON object');
      resource = parsed;
    } catch (e) {
      issues.error(PACKAGE_FILES.resource, `resource.json is not a JSON object: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }

  const template = files[PACKAGE_FILES.marathon];
  if (template === undefined) {
    issues.error(PACKAGE_FILES.marathon, `the package has no ${PACKAGE_FILES.marathon}`);
    return null;
  }
  if (typeof template !== 'string' || (template.length > limits.maxServiceYamlBytes ? template.length : utf8Bytes(template)) > limits.maxServiceYamlBytes) {
    issues.error(PACKAGE_FILES.marathon, `${PACKAGE_FILES.marathon} may be at most ${limits.maxServiceYamlBytes} bytes (MAX_SERVICE_YAML_BYTES)`);
    return null;
  }
  const rendered = renderMustache(template, marathonContext(pkg, options, resource), { escape: String });
  if (!rendered.ok) {
    issues.error(PACKAGE_FILES.marathon, `Mustache template error: ${rendered.message}`);
    return null;
  }
  let app: unknown;
  try {
    app = JSON.parse(rendered.text);
  } catch (e) {
    issues.error(
      PACKAGE_FILES.marathon,
      `did not render to valid JSON with these options: ${e instanceof Error ? e.message : String(e)}${jsonErrorContext(rendered.text, e)}`,
    );
    return null;
  }
  if (!isPlainObject(app)) {
    issues.error(PACKAGE_FILES.marathon, 'must render to a JSON object (a Marathon app definition)');
    return null;
  }
  const env: Record<string, string> = {};
  const rawEnv = app['env'];
  if (rawEnv !== undefined && !isPlainObject(rawEnv)) {
    issues.error(`${PACKAGE_FILES.marathon}:env`, 'env must be a JSON object of strings');
    return null;
  }
  for (const [k, v] of Object.entries(rawEnv ?? {})) {
    if (typeof v === 'string') env[k] = v;
    else if (isPlainObject(v) && typeof v['secret'] === 'string') {
      issues.warn(`${PACKAGE_FILES.marathon}:env.${k}: secret-backed scheduler variables are not supported; ignored`);
    } else {
      issues.error(`${PACKAGE_FILES.marathon}:env.${k}`, `env values must be strings, got ${JSON.stringify(v)}`);
    }
  }
  // Marathon gave the scheduler its app role as MESOS_ALLOCATION_ROLE (reference §10.1).
  const role = app['role'];
  if (typeof role === 'string' && role !== '' && env['MESOS_ALLOCATION_ROLE'] === undefined) env['MESOS_ALLOCATION_ROLE'] = role;
  return issues.ok ? env : null;
}

function jsonErrorContext(text: string, e: unknown): string {
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  if (!m) return '';
  const pos = Number(m[1]);
  const line = text.slice(0, pos).split('\n').length;
  const lineText = text.split('\n')[line - 1] ?? '';
  return ` (rendered line ${line}: ${lineText.trim().slice(0, 120)})`;
}
