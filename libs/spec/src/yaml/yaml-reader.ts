import { Document, isAlias, isMap, isScalar, isSeq, parseDocument, type Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { Issues, joinPath } from '../validation-error';

/**
 * Reading svc.yml the way the original's Jackson YAML mapper did (reference §4.1), over the `yaml` package's
 * document model so every value keeps its path for error messages:
 * - duplicate keys anywhere → `Duplicate field '<name>'` (Jackson's STRICT_DUPLICATE_DETECTION);
 * - unknown keys are errors except where a reader is told to ignore them (directly under a pod);
 * - string fields keep the scalar's source text (`1.0` stays `1.0`, as Jackson's text for a String field);
 * - YAML 1.1 scalars, as SnakeYAML read them (`yes`/`no` are booleans).
 */

/** Upper bound on alias expansions, against "billion laughs" documents. */
const MAX_ALIAS_RESOLUTIONS = 1000;

export type YamlValue = Node | null;

export interface ParsedYaml {
  root: YamlValue;
  doc: Document | null;
}

function lineCol(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return `line ${line}, column ${offset - last}`;
}

/** `YAML syntax error: <what> (line L, column C)`, without the parser's multi-line excerpt. */
function syntaxError(e: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): string {
  const what = e.message
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
  const at = e.linePos?.[0];
  return `YAML syntax error: ${what}${at ? ` (line ${at.line}, column ${at.col})` : ''}`;
}

/** Parses one YAML document; syntax errors and duplicate keys go to `issues` under `fileName`. */
export function parseYaml(text: string, fileName: string, issues: Issues): ParsedYaml {
  let doc: Document;
  try {
    doc = parseDocument(text, { version: '1.1', uniqueKeys: false, prettyErrors: true, merge: false });
  } catch (e) {
    // The parser recurses on nesting; a pathological document can exhaust the stack.
    issues.error(fileName, `YAML could not be parsed: ${e instanceof Error ? e.message : String(e)}`);
    return { root: null, doc: null };
  }
  if (doc.errors.length > 0) {
    // Only the first: the parser's later errors are mostly consequences of it (one missing bracket gives a dozen).
    issues.error(fileName, syntaxError(doc.errors[0]));
    return { root: null, doc: null };
  }
  findDuplicateKeys(doc, text, issues);
  return { root: (doc.contents as Node | null) ?? null, doc };
}

/** Duplicate keys anywhere in the document, even in ignored blocks (Jackson checked at the parser level). */
function findDuplicateKeys(doc: Document, text: string, issues: Issues): void {
  const stack: Array<[unknown, string]> = [[doc.contents, '']];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, path] = item;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        const name = isScalar(key) ? scalarText(key) : '?';
        if (isScalar(key)) {
          if (seen.has(name)) {
            const where = key.range ? ` (${lineCol(text, key.range[0])})` : '';
            issues.error(joinPath(path, name), `Duplicate field '${name}'${where}`);
          }
          seen.add(name);
        }
        stack.push([pair.value, joinPath(path, name)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push([item, `${path}[${i}]`]));
    }
  }
}

/** The text of a scalar as a String field would see it. */
function scalarText(s: Scalar): string {
  if (typeof s.value === 'string') return s.value;
  if (s.value === null || s.value === undefined) return s.source ?? '';
  return s.source ?? String(s.value);
}

export interface Field {
  key: string;
  path: string;
  value: YamlValue;
}

/** Typed, path-aware access to the document model; every problem is reported, reading continues. */
export class YamlReader {
  private aliasResolutions = 0;

  constructor(
    private readonly doc: Document | null,
    readonly issues: Issues,
  ) {}

  private deref(node: YamlValue, path: string): YamlValue {
    let current: unknown = node;
    while (isAlias(current)) {
      if (++this.aliasResolutions > MAX_ALIAS_RESOLUTIONS) {
        this.issues.error(path, `Too many YAML alias references (more than ${MAX_ALIAS_RESOLUTIONS})`);
        return null;
      }
      const target = this.doc ? current.resolve(this.doc) : undefined;
      if (!target) {
        this.issues.error(path, `Unknown YAML alias '*${current.source}'`);
        return null;
      }
      current = target;
    }
    return (current as Node | null | undefined) ?? null;
  }

  /** Whether the node (after aliases) is a mapping; reports nothing. */
  isMapping(node: YamlValue, path: string): boolean {
    return isMap(this.deref(node, path));
  }

  isNull(node: YamlValue, path: string): boolean {
    const n = this.deref(node, path);
    return n === null || (isScalar(n) && (n.value === null || n.value === undefined));
  }

  /**
   * The entries of a mapping in declaration order. `known` lists the accepted keys; unknown keys are errors
   * unless `ignoreUnknown`. A null value reads as an empty mapping; anything else that is not a mapping is an error.
   */
  fields(node: YamlValue, path: string, known?: readonly string[], ignoreUnknown = false): Field[] | undefined {
    const n = this.deref(node, path);
    if (n === null || (isScalar(n) && n.value === null)) return undefined;
    if (!isMap(n)) {
      this.issues.error(path, `must be a mapping (key: value), got ${describe(n)}`);
      return undefined;
    }
    const out: Field[] = [];
    for (const pair of (n as YAMLMap<unknown, unknown>).items) {
      const keyNode = this.deref(pair.key as YamlValue, path);
      if (!isScalar(keyNode)) {
        this.issues.error(path, 'mapping keys must be plain names, got a complex key');
        continue;
      }
      const key = scalarText(keyNode);
      const fieldPath = joinPath(path, key);
      if (known && !known.includes(key)) {
        if (ignoreUnknown) this.issues.warn(`${fieldPath}: ignored, not a known field here`);
        else this.issues.error(fieldPath, `Unrecognized field '${key}' (expected one of: ${known.join(', ')})`);
        continue;
      }
      out.push({ key, path: fieldPath, value: (pair.value as YamlValue) ?? null });
    }
    return out;
  }

  /** Fields of a mapping as a lookup table (duplicates were already reported by the parser pass). */
  object(node: YamlValue, path: string, known: readonly string[], ignoreUnknown = false): Map<string, Field> | undefined {
    const list = this.fields(node, path, known, ignoreUnknown);
    if (!list) return undefined;
    const m = new Map<string, Field>();
    for (const f of list) if (!m.has(f.key)) m.set(f.key, f);
    return m;
  }

  /** Items of a sequence; null reads as absent. */
  items(node: YamlValue, path: string): Field[] | undefined {
    const n = this.deref(node, path);
    if (n === null || (isScalar(n) && n.value === null)) return undefined;
    if (!isSeq(n)) {
      this.issues.error(path, `must be a list, got ${describe(n)}`);
      return undefined;
    }
    return (n as YAMLSeq<unknown>).items.map((item, i) => ({
      key: String(i),
      path: `${path}[${i}]`,
      value: (item as YamlValue) ?? null,
    }));
  }

  /** A string field: scalars keep their source text; null or empty YAML value → undefined. */
  string(node: YamlValue | undefined, path: string): string | undefined {
    if (node === undefined) return undefined;
    const n = this.deref(node, path);
    if (n === null) return undefined;
    if (!isScalar(n)) {
      this.issues.error(path, `must be a string, got ${describe(n)}`);
      return undefined;
    }
    if (n.value === null || n.value === undefined) return undefined;
    return scalarText(n);
  }

  number(node: YamlValue | undefined, path: string): number | undefined {
    if (node === undefined) return undefined;
    const n = this.deref(node, path);
    if (n === null) return undefined;
    if (!isScalar(n)) {
      this.issues.error(path, `must be a number, got ${describe(n)}`);
      return undefined;
    }
    const v = n.value;
    if (v === null || v === undefined) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    // Jackson coerced numeric strings ("0.5") into numeric fields.
    if (typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
    this.issues.error(path, `must be a number, got '${scalarText(n)}'`);
    return undefined;
  }

  integer(node: YamlValue | undefined, path: string): number | undefined {
    const v = this.number(node, path);
    if (v === undefined) return undefined;
    if (!Number.isInteger(v)) {
      this.issues.error(path, `must be an integer, got ${v}`);
      return undefined;
    }
    if (!Number.isSafeInteger(v)) {
      this.issues.error(path, `is out of range: ${v}`);
      return undefined;
    }
    return v;
  }

  boolean(node: YamlValue | undefined, path: string): boolean | undefined {
    if (node === undefined) return undefined;
    const n = this.deref(node, path);
    if (n === null) return undefined;
    if (!isScalar(n)) {
      this.issues.error(path, `must be true or false, got ${describe(n)}`);
      return undefined;
    }
    const v = n.value;
    if (v === null || v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    this.issues.error(path, `must be true or false, got '${scalarText(n)}'`);
    return undefined;
  }
}

function describe(n: unknown): string {
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) return `'${scalarText(n)}'`;
  return 'an unsupported YAML node';
}
