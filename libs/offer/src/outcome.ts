/**
 * Evaluation outcomes (reference §5.1): PASS or FAIL, the stage or rule that decided (its `source`), a reason in
 * words, and child outcomes for rules that combine others. Rendered `PASS(<Source>): <reason>`, depth-first, children
 * indented by two spaces.
 */
export interface Outcome {
  pass: boolean;
  source: string;
  reason: string;
  children?: Outcome[];
}

export const pass = (source: string, reason: string, children?: Outcome[]): Outcome =>
  children ? { pass: true, source, reason, children } : { pass: true, source, reason };
export const fail = (source: string, reason: string, children?: Outcome[]): Outcome =>
  children ? { pass: false, source, reason, children } : { pass: false, source, reason };

export function renderOutcomes(outcomes: Outcome[]): string[] {
  const lines: string[] = [];
  const walk = (o: Outcome, depth: number): void => {
    lines.push(`${'  '.repeat(depth)}${o.pass ? 'PASS' : 'FAIL'}(${o.source}): ${o.reason}`);
    o.children?.forEach((c) => walk(c, depth + 1));
  };
  outcomes.forEach((o) => walk(o, 0));
  return lines;
}

/** A scalar for messages: `1.0`, `0.5`, `1024.0` (thousandths precision). */
export function formatScalar(v: number): string {
  const r = Math.round(v * 1000) / 1000;
  return Number.isInteger(r) ? r.toFixed(1) : String(r);
}
