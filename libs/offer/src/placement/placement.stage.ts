import { podInstanceName, taskInstanceName, type PodSpec } from '@marshal/contracts';
import {
  instanceKey,
  type AgentInfo,
  type AgentState,
  type IndexedReservation,
  type KeyIndex,
  type LedgerIndex,
  type ServiceIndex,
  type TypeIndex,
} from '../ledger';
import { fail, pass, type Outcome } from '../outcome';
import type { PlacementRule } from './placement-rule';
import { compileMatcher, describeMatcher, type StringMatcher } from './string-matcher';

/**
 * Placement rule evaluation against one agent (reference §5.4). "Stored tasks" are the reservations of the same
 * service in the ledger: each is a pod instance whose tasks are its pod spec's tasks, named `<pod>-<index>-<task>`,
 * with the hostname, zone, region and attributes of the agent holding it. Counts come from the ledger's indexes, so
 * a rule costs O(1) per agent (round-robin: O(keys) once per evaluation).
 */

export interface PlacementContext {
  service: string;
  podType: string;
  podIndex: number;
  index: LedgerIndex;
  /** Pod specs of the service by pod type: the tasks of other reserved pod instances. */
  servicePods: ReadonlyMap<string, PodSpec>;
}

export interface CompiledRule {
  /** Pushes one outcome (with children) into `out` when given; builds no strings otherwise. */
  evaluate(agent: AgentState, info: AgentInfo, out: Outcome[] | null): boolean;
}

interface Prepared {
  ctx: PlacementContext;
  svc: ServiceIndex | undefined;
  self: Set<IndexedReservation>;
  podInstanceName: string;
}

export function compilePlacement(rule: PlacementRule, ctx: PlacementContext): CompiledRule {
  const svc = ctx.index.services.get(ctx.service);
  const self = svc?.instances.get(instanceKey(ctx.podType, ctx.podIndex)) ?? new Set<IndexedReservation>();
  return compile(rule, { ctx, svc, self, podInstanceName: podInstanceName(ctx.podType, ctx.podIndex) });
}

const labelOf = (rule: PlacementRule): string => (rule.constraint ? `${rule.constraint}: ` : '');

function compile(rule: PlacementRule, p: Prepared): CompiledRule {
  const label = labelOf(rule);
  const source = rule.type;
  switch (rule.type) {
    case 'PassthroughRule':
      return {
        evaluate: (_a, _i, out) => {
          out?.push(pass(source, `${label}Passthrough rule always passes.`));
          return true;
        },
      };
    case 'AndRule':
    case 'OrRule': {
      const children = rule.rules.map((r) => compile(r, p));
      const isAnd = rule.type === 'AndRule';
      return {
        evaluate: (agent, info, out) => {
          if (isAnd && children.length === 0) {
            out?.push(fail(source, `${label}No rules to AND together is treated as 'always fail'`));
            return false;
          }
          if (!out) return isAnd ? children.every((c) => c.evaluate(agent, info, null)) : children.some((c) => c.evaluate(agent, info, null));
          const childOutcomes: Outcome[] = [];
          let passing = 0;
          for (const c of children) if (c.evaluate(agent, info, childOutcomes)) passing++;
          const ok = isAnd ? passing === children.length : passing > 0;
          out.push((ok ? pass : fail)(source, `${label}${passing} of ${children.length} rules are passing:`, childOutcomes));
          return ok;
        },
      };
    }
    case 'NotRule': {
      const child = compile(rule.rule, p);
      return {
        evaluate: (agent, info, out) => {
          if (!out) return !child.evaluate(agent, info, null);
          const childOutcomes: Outcome[] = [];
          const ok = !child.evaluate(agent, info, childOutcomes);
          out.push((ok ? pass : fail)(source, `${label}Returning opposite of child rule`, childOutcomes));
          return ok;
        },
      };
    }
    case 'HostnameRule':
    case 'AttributeRule':
    case 'ZoneRule':
    case 'RegionRule': {
      const matches = compileMatcher(rule.matcher);
      const m = (): string => describeMatcher(rule.matcher);
      const what = { HostnameRule: 'hostname', ZoneRule: 'zone', RegionRule: 'region', AttributeRule: '' }[rule.type];
      return {
        evaluate: (agent, info, out) => {
          let ok: boolean;
          if (rule.type === 'AttributeRule') {
            ok = info.attrStrings.some(matches);
            out?.push(
              ok
                ? pass(source, `${label}Match found for attribute pattern: '${m()}'`)
                : fail(source, `${label}None of ${info.attrStrings.length} attributes matched pattern: '${m()}'`),
            );
            return ok;
          }
          const key = rule.type === 'HostnameRule' ? agent.hostname : rule.type === 'ZoneRule' ? agent.zone : agent.region;
          if (key === undefined && rule.type === 'ZoneRule') {
            out?.push(fail(source, `${label}Offer does not contain a zone.`));
            return false;
          }
          ok = key !== undefined && matches(key);
          out?.push(
            ok
              ? pass(source, `${label}Offer ${what} matches pattern: '${m()}'`)
              : fail(source, `${label}Offer ${what} didn't match pattern: '${m()}'`),
          );
          return ok;
        },
      };
    }
    case 'IsLocalRegionRule':
      return {
        evaluate: (agent, _i, out) => {
          if (agent.region === undefined) {
            out?.push(pass(source, `${label}The Offer has no Region, so it is in the local region.`));
            return true;
          }
          if (rule.localRegion === undefined) {
            out?.push(pass(source, `${label}The local region is not known, so all agents are presumed to be in the local region.`));
            return true;
          }
          const ok = agent.region === rule.localRegion;
          out?.push(
            ok
              ? pass(source, `${label}The offer is in the local region: '${rule.localRegion}'`)
              : fail(source, `${label}The offer is in region: '${agent.region}' NOT the local region: '${rule.localRegion}'`),
          );
          return ok;
        },
      };
    case 'AgentRule':
      return {
        evaluate: (agent, _i, out) => {
          const ok = agent.agentId === rule.agentId;
          out?.push(
            ok
              ? pass(source, `${label}Offer matches required Agent ID '${rule.agentId}'`)
              : fail(source, `${label}Offer lacks required Agent ID. Wanted: '${rule.agentId}' Got: '${agent.agentId}'`),
          );
          return ok;
        },
      };
    case 'InvalidPlacementRule':
      return {
        evaluate: (_a, _i, out) => {
          out?.push(fail(source, `${label}Invalid placement constraints for ${p.podInstanceName}: ${rule.constraints}`));
          return false;
        },
      };
    case 'TaskTypeRule':
      return compileTaskType(rule, p, label);
    case 'MaxPerHostnameRule':
    case 'MaxPerAttributeRule':
    case 'MaxPerZoneRule':
    case 'MaxPerRegionRule':
      return compileMaxPer(rule, p, label);
    case 'RoundRobinByHostnameRule':
    case 'RoundRobinByAttributeRule':
    case 'RoundRobinByZoneRule':
    case 'RoundRobinByRegionRule':
      return compileRoundRobin(rule, p, label);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Counting stored tasks by key

interface Dimension {
  map(t: TypeIndex): KeyIndex | undefined;
  keysOf(e: IndexedReservation): readonly string[];
}

const HOSTNAME: Dimension = { map: (t) => t.byHostname, keysOf: (e) => [e.hostname] };
const ZONE: Dimension = { map: (t) => t.byZone, keysOf: (e) => (e.zone === undefined ? [] : [e.zone]) };
const REGION: Dimension = { map: (t) => t.byRegion, keysOf: (e) => (e.region === undefined ? [] : [e.region]) };
const ATTRIBUTE: Dimension = { map: (t) => t.byAttr, keysOf: (e) => e.attrs };
const attributeValue = (name: string): Dimension => {
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
function taskNames(p: Prepared, podType: string, podIndex: number): string[] {
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
class TaskCounts {
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

// ---------------------------------------------------------------------------------------------------------------
// MaxPer: counts start at 1 for each offer key (the task being placed), plus every matching stored task of another
// pod instance under that key; pass iff every count ≤ max (reference §5.4 "MaxPer algorithm").

function compileMaxPer(
  rule: Extract<PlacementRule, { type: 'MaxPerHostnameRule' | 'MaxPerAttributeRule' | 'MaxPerZoneRule' | 'MaxPerRegionRule' }>,
  p: Prepared,
  label: string,
): CompiledRule {
  const source = rule.type;
  const max = rule.max;
  const filterText = (): string => describeMatcher(rule.taskFilter);
  let counts: TaskCounts;
  // Hostname, zone and region give an agent at most one key; attributes any number.
  let offerKey: ((agent: AgentState) => string | undefined) | undefined;
  let offerKeys: ((info: AgentInfo) => string[]) | undefined;
  let where: (key: string) => string;
  switch (rule.type) {
    case 'MaxPerHostnameRule':
      counts = new TaskCounts(p, rule.taskFilter, HOSTNAME);
      offerKey = (agent) => agent.hostname;
      where = (k) => `on host ${k}`;
      break;
    case 'MaxPerZoneRule':
      counts = new TaskCounts(p, rule.taskFilter, ZONE);
      offerKey = (agent) => agent.zone;
      where = (k) => `in zone ${k}`;
      break;
    case 'MaxPerRegionRule':
      counts = new TaskCounts(p, rule.taskFilter, REGION);
      offerKey = (agent) => agent.region;
      where = (k) => `in region ${k}`;
      break;
    case 'MaxPerAttributeRule': {
      counts = new TaskCounts(p, rule.taskFilter, ATTRIBUTE);
      const matches = compileMatcher(rule.matcher);
      offerKeys = (info) => info.attrStrings.filter(matches);
      where = (k) => `on agents with attribute ${k}`;
      break;
    }
  }
  return {
    evaluate: (agent, info, out) => {
      if (rule.type === 'MaxPerZoneRule' && agent.zone === undefined) {
        out?.push(fail(source, `${label}Offer does not contain a zone.`));
        return false;
      }
      let keys: string[];
      if (offerKey) {
        const key = offerKey(agent);
        if (!out) return key === undefined || 1 + counts.count(key) <= max;
        keys = key === undefined ? [] : [key];
      } else {
        keys = (offerKeys as (info: AgentInfo) => string[])(info);
      }
      const over = keys.find((key) => 1 + counts.count(key) > max);
      if (!out) return over === undefined;
      if (over === undefined) {
        const at = keys.length === 0 ? 'on this agent' : keys.map(where).join(', ');
        out.push(pass(source, `${label}Fewer than ${max} tasks matching filter '${filterText()}' are present ${at}`));
        return true;
      }
      out.push(fail(source, `${label}${counts.holders(over)} already ${where(over)}`));
      return false;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Round-robin (reference §5.4 "Round-robin algorithm").

function compileRoundRobin(
  rule: Extract<
    PlacementRule,
    { type: 'RoundRobinByHostnameRule' | 'RoundRobinByAttributeRule' | 'RoundRobinByZoneRule' | 'RoundRobinByRegionRule' }
  >,
  p: Prepared,
  label: string,
): CompiledRule {
  const source = rule.type;
  let dim: Dimension;
  let offerKey: (agent: AgentState) => string | undefined;
  let distinct: number | undefined;
  switch (rule.type) {
    case 'RoundRobinByHostnameRule':
      dim = HOSTNAME;
      offerKey = (agent) => agent.hostname;
      distinct = rule.agentCount;
      break;
    case 'RoundRobinByZoneRule':
      dim = ZONE;
      offerKey = (agent) => agent.zone;
      distinct = rule.zoneCount;
      break;
    case 'RoundRobinByRegionRule':
      dim = REGION;
      offerKey = (agent) => agent.region;
      distinct = rule.regionCount;
      break;
    case 'RoundRobinByAttributeRule': {
      dim = attributeValue(rule.attribute);
      const lower = rule.attribute.toLowerCase();
      offerKey = (agent) => {
        for (const name in agent.attributes) if (name.toLowerCase() === lower) return agent.attributes[name];
        return undefined;
      };
      distinct = rule.valueCount;
      break;
    }
  }
  const counts = new TaskCounts(p, rule.taskFilter, dim).merged();
  let min = Number.MAX_SAFE_INTEGER;
  let max = 0;
  for (const n of counts.values()) {
    if (n > max) max = n;
    if (n < min) min = n;
  }
  if (counts.size === 0) min = 0;
  return {
    evaluate: (agent, _info, out) => {
      const key = offerKey(agent);
      if (key === undefined) {
        out?.push(fail(source, `${label}Offer lacks needed information for round robin placement`));
        return false;
      }
      const offerCount = counts.get(key) ?? 0;
      if (min === max || offerCount <= min) {
        if (distinct === undefined) {
          out?.push(
            pass(source, `${label}Distinct key count is unspecified, and '${key}' has ${offerCount} instances while others have ${min} to ${max}`),
          );
          return true;
        }
        if (counts.size >= distinct) {
          out?.push(pass(source, `${label}All distinct keys are found, and '${key}' has ${offerCount} instances while others have ${min} to ${max}`));
          return true;
        }
        if (offerCount === 0) {
          out?.push(pass(source, `${label}Other keys have zero usage, and so does key '${key}'`));
          return true;
        }
        out?.push(fail(source, `${label}Other keys have zero instances, but key '${key}' has ${offerCount}`));
        return false;
      }
      out?.push(fail(source, `${label}Key '${key}' is already full, and others are known to not be full`));
      return false;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Task type avoid/colocate (reference §5.4). This pod instance never counts, so a pod colocating with its own type
// is not stuck when it is the only instance of that type (the original failed it everywhere).

function compileTaskType(rule: Extract<PlacementRule, { type: 'TaskTypeRule' }>, p: Prepared, label: string): CompiledRule {
  const source = rule.type;
  const t = p.svc?.types.get(rule.taskType);
  const others = (entries: Iterable<IndexedReservation> | undefined): number => {
    let n = 0;
    for (const e of entries ?? []) if (!p.self.has(e)) n++;
    return n;
  };
  const total = others(t?.entries);
  const avoid = rule.behavior === 'AVOID';
  return {
    evaluate: (agent, _info, out) => {
      if (total === 0) {
        out?.push(
          pass(source, `${label}No tasks of ${avoid ? 'avoided' : 'colocated'} type '${rule.taskType}' are currently running.`),
        );
        return true;
      }
      const here = others(t?.byAgent.get(agent.agentId)) > 0;
      if (avoid) {
        out?.push(
          here
            ? fail(source, `${label}Found a task matching avoided type '${rule.taskType}' on this agent.`)
            : pass(source, `${label}No tasks of avoided type '${rule.taskType}' found on this agent.`),
        );
        return !here;
      }
      out?.push(
        here
          ? pass(source, `${label}Found a task matching colocated type '${rule.taskType}' on this agent.`)
          : fail(source, `${label}Didn't find a task matching colocated type '${rule.taskType}' on this agent.`),
      );
      return here;
    },
  };
}
