import { podInstanceName, type DeltaChange, type DeltaOperation, type PodDelta, type PodSpec, type ServiceSpec, type TaskDelta } from '@marshal/contracts';
import { canonicalJson } from '../compare/canonical-json';
import { relaunchRelevantPod, taskConfigHash } from '../compare/pod-spec';

/** One side of a delta: a target configuration (its id when stored) or none. */
export interface DeltaSide {
  spec: ServiceSpec | null;
  configId?: string | null;
}

/**
 * The delta specification (other-systems §1a.1 stage 2) between two targets, one entry per pod instance of either:
 * CREATE where only `after` has the instance, DESTROY where only `before` has it, MODIFY where both have it and its
 * relaunch-relevant pod spec differs (reference §3.8.2 step 4: count, placement and allow-decommission do not
 * count), NOOP otherwise. An install is `before: null`, an uninstall `after: null`. Pod types in `after`'s order,
 * then the ones only `before` has; instances by index.
 */
export function computeDeltas(before: DeltaSide, after: DeltaSide): PodDelta[] {
  const types: string[] = [];
  for (const spec of [after.spec, before.spec]) for (const p of spec?.pods ?? []) if (!types.includes(p.type)) types.push(p.type);
  const out: PodDelta[] = [];
  for (const type of types) {
    const a = before.spec?.pods.find((p) => p.type === type);
    const b = after.spec?.pods.find((p) => p.type === type);
    const count = Math.max(a?.count ?? 0, b?.count ?? 0);
    for (let index = 0; index < count; index++) {
      const was = a && index < a.count ? a : undefined;
      const will = b && index < b.count ? b : undefined;
      const beforeView = was ? relaunchRelevantPod(was) : null;
      const afterView = will ? relaunchRelevantPod(will) : null;
      const changes = beforeView && afterView ? changedSettings(beforeView, afterView) : [];
      const operation: DeltaOperation = !was ? 'CREATE' : !will ? 'DESTROY' : changes.length > 0 ? 'MODIFY' : 'NOOP';
      out.push({
        podInstance: podInstanceName(type, index),
        podType: type,
        podIndex: index,
        operation,
        beforeConfigId: was ? (before.configId ?? null) : null,
        afterConfigId: will ? (after.configId ?? null) : null,
        before: beforeView ? plain(beforeView) : null,
        after: afterView ? plain(afterView) : null,
        changes,
        tasks: taskDeltas(before.spec, was, after.spec, will),
      });
    }
  }
  return out;
}

/** Counts per operation, e.g. `{ MODIFY: 1, NOOP: 2 }`, for a one-line summary. */
export function deltaSummary(deltas: readonly PodDelta[]): Partial<Record<DeltaOperation, number>> {
  const out: Partial<Record<DeltaOperation, number>> = {};
  for (const d of deltas) out[d.operation] = (out[d.operation] ?? 0) + 1;
  return out;
}

function taskDeltas(beforeSpec: ServiceSpec | null, was: PodSpec | undefined, afterSpec: ServiceSpec | null, will: PodSpec | undefined): TaskDelta[] {
  const names: string[] = [];
  for (const p of [will, was]) for (const t of p?.tasks ?? []) if (!names.includes(t.name)) names.push(t.name);
  return names.map((task) => {
    const b = was && beforeSpec && was.tasks.some((t) => t.name === task) ? taskConfigHash(beforeSpec, was.type, task) : null;
    const a = will && afterSpec && will.tasks.some((t) => t.name === task) ? taskConfigHash(afterSpec, will.type, task) : null;
    const operation: DeltaOperation = b === null ? 'CREATE' : a === null ? 'DESTROY' : a === b ? 'NOOP' : 'MODIFY';
    return { task, operation, before: b, after: a };
  });
}

function plain(value: object): Record<string, unknown> {
  return JSON.parse(canonicalJson(value)) as Record<string, unknown>;
}

/** An array element's key in a path: tasks, resource sets, ports… by name, type or id, else by index. */
function elementKey(value: unknown, index: number): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const key of ['name', 'type', 'id']) if (typeof o[key] === 'string') return o[key] as string;
  }
  return `[${index}]`;
}

function keyed(value: unknown): Map<string, unknown> | undefined {
  if (Array.isArray(value)) {
    const m = new Map<string, unknown>();
    value.forEach((v, i) => m.set(elementKey(v, i), v));
    // Duplicate keys would hide elements: compare such arrays by index instead.
    return m.size === value.length ? m : new Map(value.map((v, i) => [`[${i}]`, v]));
  }
  if (value !== null && typeof value === 'object') return new Map(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined));
  return undefined;
}

/** Leaf settings that differ between two pod specs, each with its dotted path, e.g. `tasks.server.env.GREETING`. */
export function changedSettings(before: unknown, after: unknown, path = ''): DeltaChange[] {
  if (canonicalJson(before) === canonicalJson(after)) return [];
  const a = keyed(before);
  const b = keyed(after);
  if (!a || !b || Array.isArray(before) !== Array.isArray(after)) return [{ path, before, after }];
  const out: DeltaChange[] = [];
  const keys = [...a.keys(), ...[...b.keys()].filter((k) => !a.has(k))];
  for (const k of keys) {
    const sub = path === '' ? k : `${path}.${k}`;
    if (!b.has(k)) out.push({ path: sub, before: a.get(k) });
    else if (!a.has(k)) out.push({ path: sub, after: b.get(k) });
    else out.push(...changedSettings(a.get(k), b.get(k), sub));
  }
  return out;
}
