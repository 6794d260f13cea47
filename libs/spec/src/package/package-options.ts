import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import { DEFAULT_SPEC_LIMITS, type SpecLimits } from '../limits';
import type { Issues } from '../validation-error';

/**
 * Package options (reference §8.3, the Cosmos side of install/update): `config.json` is a JSON Schema whose
 * `default`s fill missing options; the merged options are validated against it.
 */

export type JsonObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Defaults of a schema: a property's `default`, else the defaults of its own `properties` (Cosmos semantics). */
export function extractDefaults(schema: unknown, depth = 0): JsonObject {
  const out: JsonObject = {};
  if (!isPlainObject(schema) || !isPlainObject(schema['properties']) || depth > 64) return out;
  for (const [name, prop] of Object.entries(schema['properties'])) {
    if (!isPlainObject(prop)) continue;
    if ('default' in prop) out[name] = structuredClone(prop['default']);
    else if (isPlainObject(prop['properties'])) out[name] = extractDefaults(prop, depth + 1);
  }
  return out;
}

/** Deep merge of JSON objects; later wins, arrays and scalars are replaced (Cosmos JsonUtil.merge). */
export function mergeOptions(...layers: Array<JsonObject | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (k === '__proto__') continue;
      const prev = out[k];
      out[k] = isPlainObject(prev) && isPlainObject(v) ? mergeOptions(prev, v) : structuredClone(v);
    }
  }
  return out;
}

/**
 * The regular expressions of option schemas (`pattern`, `patternProperties`) are a package author's, matched against an
 * operator's options: they run on RE2 (linear time, no backtracking), so no pattern and input can stall the renderer.
 * RE2 has no look-around or back-references; a schema using them is refused as not usable (docs/compatibility.md).
 */
const re2: ((pattern: string) => { test: (s: string) => boolean }) & { code: string } = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(pattern);
    return { test: (s: string) => re.matcher(s).find() };
  },
  { code: 'require("re2js").RE2JS' },
);

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: re2 } });
const compiled = new Map<string, ValidateFunction>();

/** The first `pattern` or `patternProperties` key longer than `max`, as a JSON pointer into the schema. Iterative. */
function patternTooLong(schema: unknown, max: number): string | undefined {
  const stack: Array<[unknown, string]> = [[schema, '']];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, pointer] = item;
    if (typeof v !== 'object' || v === null) continue;
    for (const [k, child] of Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v)) {
      const at = `${pointer}/${k}`;
      if (k === 'pattern' && typeof child === 'string' && child.length > max) return at;
      if (k === 'patternProperties' && isPlainObject(child)) {
        const long = Object.keys(child).find((p) => p.length > max);
        if (long !== undefined) return `${at}/${long.slice(0, 40)}…`;
      }
      stack.push([child, at]);
    }
  }
  return undefined;
}

function compile(schemaText: string, schema: JsonObject, limits: Pick<SpecLimits, 'compiledSchemaCacheSize' | 'maxSchemaPatternLength'>): ValidateFunction | string {
  const cached = compiled.get(schemaText);
  if (cached) {
    // Most recently used last: the least recently used schema is the one dropped.
    compiled.delete(schemaText);
    compiled.set(schemaText, cached);
    return cached;
  }
  const long = patternTooLong(schema, limits.maxSchemaPatternLength);
  if (long !== undefined) return `the regular expression at ${long} is longer than ${limits.maxSchemaPatternLength} characters (MAX_SCHEMA_PATTERN_LENGTH)`;
  try {
    // Package schemas are commonly draft-04 style; the `$schema`/`id` keywords are not needed to validate.
    const { $schema: _s, id: _i, ...rest } = schema;
    const fn = ajv.compile(rest);
    // Ajv keeps every schema it compiled; the cache here is the only reference kept, so drop Ajv's.
    ajv.removeSchema(rest);
    while (compiled.size >= limits.compiledSchemaCacheSize) compiled.delete(compiled.keys().next().value as string);
    compiled.set(schemaText, fn);
    return fn;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** How many option schemas are kept compiled now (at most SpecLimits.compiledSchemaCacheSize). */
export function compiledSchemaCount(): number {
  return compiled.size;
}

function pointerOf(e: ErrorObject): string {
  const base = e.instancePath === '' ? '' : e.instancePath;
  if (e.keyword === 'required') return `${base}/${String((e.params as { missingProperty: string }).missingProperty)}`;
  if (e.keyword === 'additionalProperties') {
    return `${base}/${String((e.params as { additionalProperty: string }).additionalProperty)}`;
  }
  return base === '' ? '/' : base;
}

function messageOf(e: ErrorObject): string {
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'additionalProperties') return 'is not an allowed option';
  if (e.keyword === 'enum') {
    return `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
  }
  return e.message ?? `fails '${e.keyword}'`;
}

/**
 * Deepest nesting of options accepted. Real package schemas nest three or four levels; deeper input would only
 * exhaust the stack of the recursive merge, clone and validation below.
 */
export const MAX_OPTIONS_DEPTH = 32;

/** The JSON pointer of the first value nested deeper than `max` levels, or undefined. Iterative: never recurses. */
export function pointerTooDeep(value: unknown, max = MAX_OPTIONS_DEPTH): string | undefined {
  const stack: Array<[unknown, string, number]> = [[value, '', 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, pointer, depth] = item;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return pointer;
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [k, child] of entries) stack.push([child, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1]);
  }
  return undefined;
}

export interface ResolveOptionsInput {
  configJson: string | undefined;
  options?: unknown;
  storedOptions?: unknown;
  replace?: boolean;
  limits?: Pick<SpecLimits, 'compiledSchemaCacheSize' | 'maxSchemaPatternLength'>;
}

/**
 * Merges defaults ← stored ← provided (stored dropped with `replace`) and validates the result against config.json.
 * Errors carry the option's JSON pointer (`/hello/count`).
 */
export function resolveOptions(input: ResolveOptionsInput, issues: Issues): JsonObject | null {
  for (const [name, value] of [
    ['options', input.options],
    ['stored options', input.storedOptions],
  ] as const) {
    if (value !== undefined && value !== null && !isPlainObject(value)) {
      issues.error('/', `${name} must be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
      return null;
    }
    const tooDeep = pointerTooDeep(value);
    if (tooDeep !== undefined) {
      const shown = tooDeep.length > 120 ? `${tooDeep.slice(0, 120)}…` : tooDeep;
      issues.error(shown, `${name} nest deeper than ${MAX_OPTIONS_DEPTH} levels`);
      return null;
    }
  }
  const provided = (input.options ?? undefined) as JsonObject | undefined;
  const stored = input.replace ? undefined : ((input.storedOptions ?? undefined) as JsonObject | undefined);

  if (input.configJson === undefined) {
    // reference §8.3 (Cosmos OptionsNotAllowed): a package without config.json takes no options.
    if (provided && Object.keys(provided).length > 0) issues.error('config.json', 'the package has no config.json, so it accepts no options');
    return mergeOptions(stored, provided);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(input.configJson);
  } catch (e) {
    issues.error('config.json', `config.json is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    return null;
  }
  if (!isPlainObject(schema)) {
    issues.error('config.json', 'config.json must be a JSON Schema object');
    return null;
  }
  const resolved = mergeOptions(extractDefaults(schema), stored, provided);
  const validate = compile(input.configJson, schema, input.limits ?? DEFAULT_SPEC_LIMITS);
  if (typeof validate === 'string') {
    issues.error('config.json', `config.json is not a usable JSON Schema: ${validate}`);
    return null;
  }
  if (!validate(resolved)) {
    for (const e of validate.errors ?? []) issues.error(pointerOf(e), messageOf(e));
    return null;
  }
  return resolved;
}
