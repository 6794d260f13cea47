import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import type { ServiceSpec, ValidationError } from '@marshal/contracts';
import { decideConfiguration } from '@marshal/scheduling';
import { PACKAGE_FILES, renderPackage, renderServiceYaml } from '@marshal/spec';
import { CliError } from '../client';
import { readOptions, readPackage } from '../package-dir';

/** What `marshal spec render|validate` is given (reference §7, offline). */
export interface SpecInput {
  /** A package directory, or a svc.yml file. */
  source: string;
  /** With a svc.yml: the package whose options and marathon.json.mustache give the scheduler environment. */
  packageDir?: string;
  optionsFile?: string;
  /** `--env K=V` values, applied over the package's environment (or the whole environment of a bare svc.yml). */
  env: Record<string, string>;
  strict: boolean;
}

export interface OfflineResult {
  spec: ServiceSpec | null;
  schedulerEnv: Record<string, string>;
  errors: ValidationError[];
  warnings: string[];
}

/** `K=V` → [K, V]; V may contain `=`. */
export function parseEnvAssignment(text: string, where: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new CliError(`${where}: expected K=V, got '${text}'`, 2);
  return [text.slice(0, i), text.slice(i + 1)];
}

/** An env file: `K=V` lines; blank lines and `#` comments ignored. */
export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`Failed to read env file ${file}: ${(e as Error).message}`, 2);
  }
  const env: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const [k, v] = parseEnvAssignment(t, `${file}:${i + 1}`);
    env[k] = v;
  });
  return env;
}

/**
 * The files next to a bare svc.yml, read only when the spec asks for them (config templates are paths relative
 * to the YAML's directory, reference §4.4.4), so a directory of many examples is never read whole. `fixed`
 * entries (a package's own files; undefined = absent) win over the directory's; `fallback` files (a package's
 * templates) come after them.
 */
export function filesNextTo(dir: string, fixed: Record<string, string | undefined> = {}, fallback: Record<string, string> = {}): Record<string, string> {
  const own = (map: Record<string, string>, key: string): string | undefined => (Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined);
  const read = (key: string): string | undefined => {
    if (Object.prototype.hasOwnProperty.call(fixed, key)) return fixed[key];
    if (!isAbsolute(key)) {
      try {
        const path = normalize(join(dir, key));
        if (statSync(path).isFile()) return readFileSync(path, 'utf8');
      } catch {
        /* not there: try the fallback */
      }
    }
    return own(fallback, key);
  };
  return new Proxy(
    {},
    {
      get: (_t, key) => (typeof key === 'string' ? read(key) : undefined),
      has: (_t, key) => typeof key === 'string' && read(key) !== undefined,
      getOwnPropertyDescriptor: (_t, key) => {
        const value = typeof key === 'string' ? read(key) : undefined;
        return value === undefined ? undefined : { value, writable: false, enumerable: true, configurable: true };
      },
    },
  );
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    throw new CliError(`${path} does not exist`, 2);
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`Failed to read ${file}: ${(e as Error).message}`, 2);
  }
}

/**
 * Renders and validates without a server what an install would: a package (directory, or a svc.yml with
 * `--package`) with its options, or a bare svc.yml with an environment; then what spec-renderer decides for a first
 * install: placement and the validators of reference §4.8.
 */
export function evaluateOffline(input: SpecInput): OfflineResult {
  const sourceIsPackage = isDirectory(input.source);
  if (sourceIsPackage && input.packageDir) {
    throw new CliError(`${input.source} is a package directory already; --package goes with a svc.yml file`, 2);
  }
  if (!sourceIsPackage && !input.packageDir && input.optionsFile) {
    throw new CliError('--options needs a package: give a package directory, or a svc.yml with --package <dir>', 2);
  }
  const options = input.optionsFile ? readOptions(input.optionsFile) : undefined;
  const yamlName = sourceIsPackage ? PACKAGE_FILES.svc : basename(input.source);

  let rendered: ReturnType<typeof renderPackage>;
  if (sourceIsPackage) {
    rendered = renderPackage(readPackage(input.source), { options, env: input.env, strict: input.strict });
  } else if (input.packageDir) {
    if (!isDirectory(input.packageDir)) throw new CliError(`--package ${input.packageDir} is not a directory`, 2);
    const pkg = readPackage(input.packageDir, { svcRequired: false });
    // The package gives options and environment; the svc.yml given replaces its own, with templates from beside it.
    const fixed: Record<string, string | undefined> = { [PACKAGE_FILES.svc]: readText(input.source) };
    for (const name of Object.values(PACKAGE_FILES)) if (name !== PACKAGE_FILES.svc) fixed[name] = pkg.files[name];
    const files = filesNextTo(dirname(input.source), fixed, pkg.files);
    rendered = renderPackage({ ...pkg, files }, { options, env: input.env, strict: input.strict });
    // Errors about the package's svc.yml are about the file given.
    if (yamlName !== PACKAGE_FILES.svc) {
      rendered.errors = rendered.errors.map((e) =>
        e.path === PACKAGE_FILES.svc || e.path.startsWith(`${PACKAGE_FILES.svc}:`) ? { ...e, path: yamlName + e.path.slice(PACKAGE_FILES.svc.length) } : e,
      );
    }
  } else {
    rendered = renderServiceYaml(readText(input.source), input.env, { files: filesNextTo(dirname(input.source)), strict: input.strict, fileName: yamlName });
  }

  // What spec-renderer would decide for a first install, by the same rule.
  const decision = decideConfiguration(rendered, null, { mode: 'install', deploymentCompleted: false });
  const errors = decision.kind === 'rejected' ? decision.errors : [];
  return { spec: decision.kind === 'rejected' ? null : decision.spec, schedulerEnv: rendered.schedulerEnv, errors, warnings: rendered.warnings };
}
