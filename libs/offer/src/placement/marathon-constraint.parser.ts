import { ConstraintError } from './operator-args';
import type { Field } from './placement-operator';
import { marathonOperator, ruleKind } from './placement-operators';
import type { PlacementRule } from './placement-rule';
import { regexMatcher, type StringMatcher } from './string-matcher';

/**
 * Marathon-style `placement` strings → placement rules (reference §5.5, `MarathonConstraintParser`).
 * Three syntaxes are tried in order — flat JSON list, nested JSON list, `field:OP[:param],…` text — and the whole
 * input must parse. Errors carry the original's texts. Each operator parses its own row (`operators/*.operator.ts`).
 */

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
  const operator = marathonOperator(operatorName.toUpperCase());
  if (!operator) {
    throw new ConstraintError(
      `Unsupported operator: '${operatorName}' in constraint: ${javaList(row)} ` +
        '(expected one of: UNIQUE, CLUSTER, GROUP_BY, LIKE, UNLIKE, or MAX_PER)',
    );
  }
  const constraint = [fieldName, operator.name, ...(parameter === undefined ? [] : [parameter])].map(escapeToken).join(':');
  return labelled(operator.parse({ taskFilter, fieldName, field: fieldOf(fieldName), operatorName, parameter }), constraint);
}

function labelled(rule: PlacementRule, constraint: string): PlacementRule {
  const out = { ...rule, constraint };
  const kind = ruleKind(out);
  return kind.mapChildren ? kind.mapChildren(out, (r) => labelled(r, constraint)) : out;
}
