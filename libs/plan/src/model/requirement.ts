import type { Requirement, StepModel } from './types';

/** Renders a list the way Java's `List.toString()` does: `[a, b]` (the original's step names use it). */
export function javaList(items: readonly unknown[]): string {
  return `[${items.map((i) => (Array.isArray(i) ? javaList(i) : String(i))).join(', ')}]`;
}

/** `<podType>-<index>`, e.g. `hello-0` (reference §1.6.1). */
export function podInstanceName(podType: string, podIndex: number): string {
  return `${podType}-${podIndex}`;
}

/** `<podType>-<index>-<task>`, e.g. `hello-0-server` (reference §1.6.1). */
export function taskInstanceName(podType: string, podIndex: number, task: string): string {
  return `${podInstanceName(podType, podIndex)}-${task}`;
}

/** `hello-0:[server]`, `hello-0:[once, server]`: the name of a requirement and of the step launching it. */
export function requirementName(requirement: Pick<Requirement, 'podType' | 'podIndex' | 'tasks'>): string {
  return `${podInstanceName(requirement.podType, requirement.podIndex)}:${javaList(requirement.tasks)}`;
}

/**
 * Two requirements conflict iff they target the same pod instance and share a task (reference §1.6.1): every
 * requirement conflicts with itself, `pod-0:[a, b]` with `pod-0:[b]`, but not `pod-0:[a]` with `pod-1:[a]`.
 */
export function requirementsConflict(a: Requirement, b: Requirement): boolean {
  return a.podType === b.podType && a.podIndex === b.podIndex && a.tasks.some((t) => b.tasks.includes(t));
}

export function conflictsWithAny(requirement: Requirement, others: readonly Requirement[]): boolean {
  return others.some((o) => requirementsConflict(requirement, o));
}

/** Task instance names a step launches: whose back-off delays it reads and clears (reference §1.5, §1.6.2). */
export function stepTaskNames(step: StepModel): string[] {
  const r = step.requirement;
  return r ? r.tasks.map((t) => taskInstanceName(r.podType, r.podIndex, t)) : [];
}
