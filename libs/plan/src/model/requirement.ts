import { requirementsConflict, taskInstanceName } from '@marshal/contracts';
import type { Requirement, StepModel } from '@marshal/contracts';

export function conflictsWithAny(requirement: Requirement, others: readonly Requirement[]): boolean {
  return others.some((o) => requirementsConflict(requirement, o));
}

/** Task instance names a step launches: whose back-off delays it reads and clears (reference §1.5, §1.6.2). */
export function stepTaskNames(step: StepModel): string[] {
  const r = step.requirement;
  return r ? r.tasks.map((t) => taskInstanceName(r.podType, r.podIndex, t)) : [];
}
