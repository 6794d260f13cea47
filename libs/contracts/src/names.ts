/**
 * The names built from parts that every service uses (reference §1.6.1): pod instances, task instances and the
 * requirement a step asks for. Declared once here; nobody writes `${type}-${index}` by hand.
 */

/** What names a pod instance and the tasks it should run. */
export interface RequirementParts {
  podType: string;
  podIndex: number;
  tasks: readonly string[];
}

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
export function requirementName(requirement: Pick<RequirementParts, 'podType' | 'podIndex' | 'tasks'>): string {
  return `${podInstanceName(requirement.podType, requirement.podIndex)}:${javaList(requirement.tasks)}`;
}

/**
 * Two requirements conflict iff they target the same pod instance and share a task (reference §1.6.1): every
 * requirement conflicts with itself, `pod-0:[a, b]` with `pod-0:[b]`, but not `pod-0:[a]` with `pod-1:[a]`.
 */
export function requirementsConflict(a: RequirementParts, b: RequirementParts): boolean {
  return a.podType === b.podType && a.podIndex === b.podIndex && a.tasks.some((t) => b.tasks.includes(t));
}
