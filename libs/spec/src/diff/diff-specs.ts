import type { ServiceSpec } from '@marshal/contracts';
import { canonicalJson } from '../compare/canonical-json';

/**
 * Readable difference of two normalized specs, shaped like the original's "Difference between configs" log
 * (seed 004): a unified diff of the two specs as pretty JSON, `--- ServiceSpec.old` / `+++ ServiceSpec.new`, hunks
 * with two lines of context. Empty on first install (no previous) and when nothing changed.
 */
export function diffSpecs(previous: ServiceSpec | null, next: ServiceSpec): string {
  if (previous === null) return '';
  const a = prettyLines(JSON.parse(canonicalJson(previous)));
  const b = prettyLines(JSON.parse(canonicalJson(next)));
  const hunks = unifiedHunks(a, b, CONTEXT_LINES);
  if (hunks.length === 0) return '';
  return ['--- ServiceSpec.old', '+++ ServiceSpec.new', ...hunks].join('\n');
}

interface Line {
  text: string;
  /** Where the line sits in the spec, e.g. `pods.hello.resourceSets.server-resource-set.cpus`. */
  path: string;
}

/** An array element's name in a path: pods by type, tasks/ports/… by name, resource sets by id. */
function elementLabel(value: unknown, index: number): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const key of ['type', 'name', 'id']) if (typeof o[key] === 'string') return o[key] as string;
  }
  return `[${index}]`;
}

/** JSON.stringify(value, null, 2), line by line, each line with its path. */
function prettyLines(value: unknown): Line[] {
  const out: Line[] = [];
  const walk = (v: unknown, indent: string, prefix: string, path: string, comma: string): void => {
    if (Array.isArray(v) && v.length > 0) {
      out.push({ text: `${indent}${prefix}[`, path });
      v.forEach((item, i) => walk(item, `${indent}  `, '', `${path}.${elementLabel(item, i)}`, i < v.length - 1 ? ',' : ''));
      out.push({ text: `${indent}]${comma}`, path });
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
      const entries = Object.entries(v as Record<string, unknown>);
      out.push({ text: `${indent}${prefix}{`, path });
      entries.forEach(([k, item], i) =>
        walk(item, `${indent}  `, `${JSON.stringify(k)}: `, path === '' ? k : `${path}.${k}`, i < entries.length - 1 ? ',' : ''),
      );
      out.push({ text: `${indent}}${comma}`, path });
    } else {
      out.push({ text: `${indent}${prefix}${JSON.stringify(v)}${comma}`, path });
    }
  };
  walk(value, '', '', '', '');
  return out;
}

const CONTEXT_LINES = 2;
/** Above this many differing lines in the middle, the diff is coarse (all removed, all added) rather than slow. */
const MAX_LCS_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; text: string; path: string; a: number; b: number };

function lineOps(a: readonly Line[], b: readonly Line[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start].text === b[start].text) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1].text === b[endB - 1].text) {
    endA--;
    endB--;
  }
  const ops: Op[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: ' ', ...a[i], a: i, b: i });
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_LCS_CELLS) {
    for (let i = start; i < endA; i++) ops.push({ kind: '-', ...a[i], a: i, b: start });
    for (let j = start; j < endB; j++) ops.push({ kind: '+', ...b[j], a: endA, b: j });
  } else {
    // Longest common subsequence over the differing middle, walked forwards.
    const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = a[start + i].text === b[start + j].text ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i].text === b[start + j].text) {
        ops.push({ kind: ' ', ...a[start + i], a: start + i, b: start + j });
        i++;
        j++;
      } else if (j < m && (i === n || lcs[i][j + 1] > lcs[i + 1][j])) {
        ops.push({ kind: '+', ...b[start + j], a: start + i, b: start + j });
        j++;
      } else {
        ops.push({ kind: '-', ...a[start + i], a: start + i, b: start + j });
        i++;
      }
    }
  }
  for (let k = 0; k < a.length - endA; k++) ops.push({ kind: ' ', ...a[endA + k], a: endA + k, b: endB + k });
  return ops;
}

function unifiedHunks(a: readonly Line[], b: readonly Line[], context: number): string[] {
  const ops = lineOps(a, b);
  const out: string[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k].kind === ' ') {
      k++;
      continue;
    }
    const from = Math.max(0, k - context);
    let to = k;
    // Extend over changes separated by at most 2×context unchanged lines.
    for (;;) {
      while (to < ops.length && ops[to].kind !== ' ') to++;
      let next = to;
      while (next < ops.length && ops[next].kind === ' ') next++;
      if (next < ops.length && next - to <= 2 * context) to = next;
      else break;
    }
    const end = Math.min(ops.length, to + context);
    const slice = ops.slice(from, end);
    const aCount = slice.filter((o) => o.kind !== '+').length;
    const bCount = slice.filter((o) => o.kind !== '-').length;
    const firstA = slice.find((o) => o.kind !== '+');
    const firstB = slice.find((o) => o.kind !== '-');
    // Unified format: a range of length 0 names the line after which the change happens.
    const aStart = firstA ? firstA.a + 1 : slice[0].a;
    const bStart = firstB ? firstB.b + 1 : slice[0].b;
    // Like git's function context after @@: where in the spec the first change is.
    const firstChange = slice.find((o) => o.kind !== ' ');
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@${firstChange?.path ? ` ${firstChange.path}` : ''}`);
    for (const o of slice) out.push(`${o.kind}${o.text}`);
    k = end;
  }
  return out;
}
