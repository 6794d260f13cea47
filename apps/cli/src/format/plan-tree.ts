import type { PlanBody } from '@marshal/contracts';

/** Every field, at every depth, may be missing. */
type Loose<T> = T extends readonly (infer U)[] ? Loose<U>[] : T extends object ? { [K in keyof T]?: Loose<T[K]> } : T;

/** The plan JSON as the API declares it (`PlanBody`), read leniently: every field may be missing in a malformed reply. */
export type PlanReply = Loose<PlanBody>;

const or = (v: string | undefined): string => (v ? v : '<UNKNOWN>');

/** The plan status tree of the original CLI (reference §7.2.1), byte for byte. */
export function toPlanStatusTree(planName: string, plan: PlanReply): string {
  const lines = [`${or(planName)} (${or(plan.strategy)} strategy) (${or(plan.status)})`];
  const phases = plan.phases ?? [];
  phases.forEach((phase, i) => {
    const last = i === phases.length - 1;
    const prefix = last ? '└─ ' : '├─ ';
    const childPrefix = last ? '   ' : '│  ';
    lines.push(`${prefix}${or(phase.name)} (${or(phase.strategy)} strategy) (${or(phase.status)})`);
    const steps = phase.steps ?? [];
    steps.forEach((step, j) => {
      lines.push(`${childPrefix}${j === steps.length - 1 ? '└─ ' : '├─ '}${or(step.name)} (${or(step.status)})`);
    });
  });
  if (plan.errors && plan.errors.length > 0) {
    lines.push('', 'Errors:');
    for (const e of plan.errors) lines.push(`- ${e}`);
  }
  return lines.join('\n').replace(/\n+$/, '') + '\n';
}
