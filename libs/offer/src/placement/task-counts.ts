import { podInstanceName, taskInstanceName } from '@marshal/contracts';
import type { IndexedReservation, KeyIndex, TypeIndex } from '../ledger';
import type { Prepared } from './placement-operator';
import { compileMatcher, type StringMatcher } from './string-matcher';

/**
 * Stored tasks counted by placement key (reference §5.4): what MAX_PER/UNIQUE and GROUP_BY rules compare. "Stored
 * tasks" are the reservations of the same service in the ledger: each is a pod instance whose tasks are its pod spec's
 * tasks, named `<pod>-<index>-<task>`, with the hostname, zone, region and attributes of the agent holding it. Counts
 * come from the ledger's indexes, so a rule costs O(1) per agent (round-robin: O(keys) once per evaluation).
 */

export interface Dimension {
  map(t: TypeIndex): KeyIndex | undefined;
  keysOf(e: IndexedReservation): readonly string[];
}

export const HOSTNAME: Dimension = { map: (t) => t.byHostname, keysOf: (e) => [e.hostname] };
export const ZONE: Dimension = { map: (t) => t.byZone, keysOf: (e) => (e.zone === undefined ? [] : [e.zone]) };
export const REGION: Dimension = { map: (t) => t.byRegion, keysOf: (e) => (e.region === undefined ? [] : [e.region]) };
export const ATTRIBUTE: Dimension = { map: (t) => t.byAttr, keysOf: (e) => e.attrs };
export const attributeValue = (name: string): Dimension => {
  const lower = name.toLowerCase();
  return {
    map: (t) => t.byAttrValue.get(lower),
    keysOf: (e) => {
      const v = e.attrValues.get(lower);
      return v === undefined ? [] : [v];
    },
  };
};

/** Names of a reserved pod instance's tasks; an instance whose pod type left the spec counts as one task `<pod>-<index>`. */
export function taskNames(p: Prepared, podType: string, podIndex: number): string[] {
  const pod = p.ctx.servicePods.get(podType);
  if (!pod) return [podInstanceName(podType, podIndex)];
  return pod.tasks.map((t) => taskInstanceName(podType, podIndex, t.name));
}

/**
 * How many tasks of every instance of `podType` a task filter matches, when that does not depend on the index:
 * the parser's filter `<pod>-.*` is a literal prefix, decided once per pod type. Otherwise 'each' (count per instance).
 */
function uniformMatchCount(filter: StringMatcher, p: Prepared, podType: string): number | 'each' {
  const pod = p.ctx.servicePods.get(podType);
  const tasks = pod ? pod.tasks.length : 1;
  if (filter.type === 'AnyMatcher') return tasks;
  if (filter.type === 'RegexMatcher') {
    const m = /^([A-Za-z0-9_-]*)\.\*$/.exec(filter.pattern);
    if (m) {
      const prefix = m[1];
      const head = `${podType}-`;
      if (prefix.length <= head.length) return head.startsWith(prefix) ? tasks : 0;
      return prefix.startsWith(head) ? 'each' : 0;
    }
  }
  return 'each';
}

/** Stored tasks matching a filter, per key of one dimension, this pod instance excluded (reference §5.4). */
export class TaskCounts {
  private readonly parts: { map: KeyIndex; mult: number }[] = [];
  private readonly extra = new Map<string, number>();
  private readonly extraContributors = new Map<string, IndexedReservation[]>();
  private readonly selfCounts = new Map<string, number>();

  constructor(
    private readonly p: Prepared,
    filter: StringMatcher,
    dim: Dimension,
  ) {
    if (!p.svc) return;
    let matches: ((s: string) => boolean) | undefined;
    for (const [podType, t] of p.svc.types) {
      const mult = uniformMatchCount(filter, p, podType);
      if (mult === 'each') {
        matches ??= compileMatcher(filter);
        for (const e of t.entries) {
          if (p.self.has(e)) continue;
          const n = taskNames(p, podType, e.res.podIndex).filter(matches).length;
          if (n === 0) continue;
          for (const key of dim.keysOf(e)) {
            this.extra.set(key, (this.extra.get(key) ?? 0) + n);
            const list = this.extraContributors.get(key);
            if (list) list.push(e);
            else this.extraContributors.set(key, [e]);
          }
        }
      } else if (mult > 0) {
        const map = dim.map(t);
        if (map) this.parts.push({ map, mult });
        if (podType === p.ctx.podType) {
          for (const e of p.self) for (const key of dim.keysOf(e)) this.selfCounts.set(key, (this.selfCounts.get(key) ?? 0) + mult);
        }
      }
    }
  }

  count(key: string): number {
    let n = 0;
    for (const part of this.parts) {
      const set = part.map.get(key);
      if (set) n += set.size * part.mult;
    }
    return n + (this.extra.get(key) ?? 0) - (this.selfCounts.get(key) ?? 0);
  }

  /** Every key with at least one matching task. */
  merged(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const part of this.parts) for (const [key, set] of part.map) counts.set(key, (counts.get(key) ?? 0) + set.size * part.mult);
    for (const [key, n] of this.extra) counts.set(key, (counts.get(key) ?? 0) + n);
    for (const [key, n] of this.selfCounts) {
      const left = (counts.get(key) ?? 0) - n;
      if (left > 0) counts.set(key, left);
      else counts.delete(key);
    }
    return counts;
  }

  /** `hello-0, hello-1 and 3 more`: the pod instances holding matching tasks under `key`, for messages. */
  holders(key: string, show = 5): string {
    const names = new Set<string>();
    let total = 0;
    const visit = (e: IndexedReservation): void => {
      if (this.p.self.has(e)) return;
      const name = podInstanceName(e.res.podType, e.res.podIndex);
      if (names.has(name)) return;
      total++;
      if (names.size < show) names.add(name);
    };
    for (const part of this.parts) part.map.get(key)?.forEach(visit);
    this.extraContributors.get(key)?.forEach(visit);
    const more = total - names.size;
    return more > 0 ? `${[...names].join(', ')} and ${more} more` : [...names].join(', ');
  }
}

