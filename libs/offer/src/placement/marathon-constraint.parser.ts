import type { PlacementRule } from './placement-rule';
import {
  attributeString,
  compileWholeRegex,
  exactMatcher,
  invertedExactMatcher,
  regexMatcher,
  type StringMatcher,
} from './string-matcher';

/**
 * Marathon-style `placement` strings → placement rules (reference §5.5, `MarathonConstraintParser`).
 * Three syntaxes are tried in order — flat JSON list, nested JSON list, `field:OP[:param],…` text — and the whole
 * input must parse. Errors carry the original's texts.
 */

type Field = 'HOSTNAME' | 'ZONE' | 'REGION' | 'ATTRIBUTE';

class ConstraintError extends Error {}

export type ParseResult = { rule: PlacementRule | null } | { error: string };

const cache = new Map<string, ParseResult>();

/** Parses a pod's `placement`; `{ rule: null }` when there is none (empty or `[]`). Results are cached. */
export function parsePlacement(constraint: string, podType: string): ParseResult {
  const key = `${podType}\u0000${constraint}`;
  let result = cache.get(key);
  if (result === undefined) {
    result = parseUncached(constraint, podType);
    if (cache.size > 500) cache.clear();
    cache.set(key, result);
  }
  return result;
}

/** Like {@link parsePlacement} but an unparseable string becomes an `InvalidPlacementRule` (reference §5.5 "Errors"). */
export function placementRuleOf(constraint: string | undefined, podType: string): PlacementRule | null {
  if (constraint === undefined) return null;
  const parsed = parsePlacement(constraint, podType);
  if ('error' in parsed) return { type: 'InvalidPlacementRule', constraints: constraint, error: parsed.error };
  return parsed.rule;
}

function parseUncached(constraint: string, podType: string): ParseResult {
  if (constraint === '' || constraint === '[]') return { rule: null };
  const { rows, jsonError } = split(constraint);
  const taskFilter = regexMatcher(`${podType}-.*`);
  try {
    if (rows.length === 1) return { rule: parseRow(taskFilter, rows[0]) };
    return { rule: { type: 'AndRule', rules: rows.map((row) => parseRow(taskFilter, row)) } };
  } catch (e) {
    if (!(e instanceof ConstraintError)) throw e;
    // The text syntax is the last resort, so a broken JSON list reports its JSON problem rather than a row count.
    return { error: jsonError ? `Malformed JSON placement constraints: ${jsonError}` : e.message };
  }
}

/** Splits a constraint string into rows of fields without checking them (reference §5.5 "Splitter"). */
export function splitConstraints(constraint: string): string[][] {
  return split(constraint).rows;
}

function split(constraint: string): { rows: string[][]; jsonError?: string } {
  let json: unknown;
  let jsonError: string | undefined;
  try {
    json = JSON.parse(constraint);
  } catch (e) {
    jsonError = (e as Error).message;
  }
  if (jsonError === undefined) {
    if (Array.isArray(json)) {
      const flat = asStringRow(json);
      if (flat) return { rows: [flat] };
      const nested = json.map(asStringRow);
      if (nested.every((r): r is string[] => r !== null)) return { rows: nested };
    }
    jsonError = 'expected a list of strings or a list of lists of strings';
  }
  const rows = escapedSplit(constraint, ',').map((row) => escapedSplit(row, ':'));
  return { rows, jsonError: constraint.trimStart().startsWith('[') ? jsonError : undefined };
}

function asStringRow(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const row: string[] = [];
  for (const v of value) {
    // Jackson coerces JSON scalars into String elements.
    if (typeof v === 'string') row.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') row.push(String(v));
    else return null;
  }
  return row;
}

/**
 * Splits on `split`, honouring backslash escapes of the split character (other backslashes are kept) and trimming
 * every token; empty tokens are kept.
 */
export function escapedSplit(str: string, split: string): string[] {
  const values: string[] = [];
  let buf = '';
  let escaped = false;
  for (const c of str) {
    if (escaped) {
      buf += c === split ? c : `\\${c}`;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === split) {
      values.push(buf.trim());
      buf = '';
    } else {
      buf += c;
    }
  }
  if (escaped) buf += '\\';
  values.push(buf.trim());
  return values;
}

/** Java's `List.toString()`, which the original's error messages show rows in. */
const javaList = (row: string[]): string => `[${row.join(', ')}]`;

const OPERATORS = ['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS', 'IS_NOT'] as const;
type Operator = (typeof OPERATORS)[number];

function fieldOf(name: string): Field {
  switch (name) {
    case 'hostname':
    case '@hostname':
      return 'HOSTNAME';
    case '@zone':
      return 'ZONE';
    case '@region':
      return 'REGION';
    default:
      return 'ATTRIBUTE';
  }
}

const escapeToken = (t: string): string => t.replace(/\\/g, '\\\\').replace(/([:,])/g, '\\$1');

function parseRow(taskFilter: StringMatcher, row: string[]): PlacementRule {
  if (row.length < 2 || row.length > 3) {
    throw new ConstraintError(`Invalid number of entries in rule. Expected 2 or 3, got ${row.length}: ${javaList(row)}`);
  }
  const [fieldName, operatorName] = row;
  const parameter = row.length === 3 ? row[2] : undefined;
  const operator = OPERATORS.find((op) => op === operatorName.toUpperCase()) as Operator | undefined;
  if (!operator) {
    throw new ConstraintError(
      `Unsupported operator: '${operatorName}' in constraint: ${javaList(row)} ` +
        '(expected one of: UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, or MAX_PER)',
    );
  }
  const constraint = [fieldName, operator, ...(parameter === undefined ? [] : [parameter])].map(escapeToken).join(':');
  return labelled(buildRule(taskFilter, fieldName, fieldOf(fieldName), operator, operatorName, parameter), constraint);
}

function labelled(rule: PlacementRule, constraint: string): PlacementRule {
  const out = { ...rule, constraint } as PlacementRule;
  if (out.type === 'AndRule' || out.type === 'OrRule') out.rules = out.rules.map((r) => labelled(r, constraint));
  if (out.type === 'NotRule') out.rule = labelled(out.rule, constraint);
  return out;
}

function required(operatorName: string, parameter: string | undefined): string {
  if (parameter === undefined) throw new ConstraintError(`Missing required parameter for operator '${operatorName}'.`);
  return parameter;
}

/** Java's `Integer.parseInt`: optional sign, decimal digits, 32-bit range. */
function parseJavaInt(operatorName: string, text: string): number {
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n > 2147483647 || n < -2147483648) {
    throw new ConstraintError(`Unable to parse max parameter as integer for '${operatorName}' operation: ${text}`);
  }
  return n;
}

function regex(pattern: string, operatorName: string): StringMatcher {
  const re = compileWholeRegex(pattern);
  if (re instanceof Error) {
    throw new ConstraintError(`Invalid regular expression '${pattern}' for operator '${operatorName}': ${re.message}`);
  }
  return regexMatcher(pattern);
}

function buildRule(
  taskFilter: StringMatcher,
  fieldName: string,
  field: Field,
  operator: Operator,
  operatorName: string,
  parameter: string | undefined,
): PlacementRule {
  switch (operator) {
    case 'UNIQUE':
    case 'MAX_PER': {
      const max = operator === 'UNIQUE' ? 1 : parseJavaInt(operatorName, required(operatorName, parameter));
      if (max < 1) {
        throw new ConstraintError(`Invalid max parameter for '${operatorName}' operation: ${max} (must be at least 1)`);
      }
      switch (field) {
        case 'HOSTNAME':
          return { type: 'MaxPerHostnameRule', max, taskFilter };
        case 'ZONE':
          return { type: 'MaxPerZoneRule', max, taskFilter };
        case 'REGION':
          return { type: 'MaxPerRegionRule', max, taskFilter };
        case 'ATTRIBUTE': {
          // The agent must have the attribute at all, and each of its values holds at most `max` tasks.
          const matcher = regex(attributeString(escapeRegex(fieldName), '.*'), operatorName);
          return {
            type: 'AndRule',
            rules: [
              { type: 'AttributeRule', matcher },
              { type: 'MaxPerAttributeRule', max, matcher, taskFilter },
            ],
          };
        }
      }
      break;
    }
    case 'CLUSTER':
    case 'IS':
    case 'IS_NOT': {
      const value = required(operatorName, parameter);
      const make = operator === 'IS_NOT' ? invertedExactMatcher : exactMatcher;
      return matcherRule(field, field === 'ATTRIBUTE' ? make(attributeString(fieldName, value)) : make(value));
    }
    case 'LIKE':
    case 'UNLIKE': {
      const pattern = required(operatorName, parameter);
      const rule = matcherRule(field, regex(field === 'ATTRIBUTE' ? attributeString(fieldName, pattern) : pattern, operatorName));
      return operator === 'LIKE' ? rule : { type: 'NotRule', rule };
    }
    case 'GROUP_BY': {
      const count = parameter === undefined ? undefined : parseJavaInt(operatorName, parameter);
      switch (field) {
        case 'HOSTNAME':
          return { type: 'RoundRobinByHostnameRule', agentCount: count, taskFilter };
        case 'ZONE':
          return { type: 'RoundRobinByZoneRule', zoneCount: count, taskFilter };
        case 'REGION':
          return { type: 'RoundRobinByRegionRule', regionCount: count, taskFilter };
        case 'ATTRIBUTE':
          return { type: 'RoundRobinByAttributeRule', attribute: fieldName, valueCount: count, taskFilter };
      }
    }
  }
  throw new Error(`unreachable: ${operator} on ${field}`);
}

function matcherRule(field: Field, matcher: StringMatcher): PlacementRule {
  switch (field) {
    case 'HOSTNAME':
      return { type: 'HostnameRule', matcher };
    case 'ZONE':
      return { type: 'ZoneRule', matcher };
    case 'REGION':
      return { type: 'RegionRule', matcher };
    case 'ATTRIBUTE':
      return { type: 'AttributeRule', matcher };
  }
}

/**
 * The original built `<name>:.*` from the raw attribute name, so a name with regex characters changed the pattern;
 * escaping them keeps `rack.id:UNIQUE` about the attribute `rack.id` only. Plain names render identically.
 */
function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
