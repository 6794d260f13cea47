import type { AgentOutcome, OfferOutcomeEntry, OfferOutcomeSummary, PendingStepOutcome } from '@marshal/contracts';
import { formatScalar } from './outcome';
import { fromMilli, freeMilli, ledgerIndex, type Ledger } from './ledger';

/**
 * The offer outcome tracker (reference §5.6, `OfferOutcomeTrackerV2`): per service, counts of accepted and rejected
 * agent outcomes, failures per stage or rule and per agent (since the tracker was created), and the last `capacity`
 * agent outcomes. Marshal adds the last evaluation of every step still waiting for an agent, which the bounded list
 * may have pushed out. Pure: the caller passes the time.
 */
export interface TrackedEvaluation {
  service: string;
  plan: string;
  stepId: string;
  step: string;
  /** `hello-0:[server]`. */
  requirement: string;
  /** ms since the epoch. */
  at: number;
  outcomes: readonly AgentOutcome[];
  /** Whether an agent was chosen (the step is no longer waiting). */
  placed: boolean;
  /** For an unplaced step: why, in words (shown with it while it waits). */
  summary?: string;
  /** The agent as offered, for the `offer` text of each outcome. */
  describe: (agentId: string) => string;
}

export const DEFAULT_TRACKER_CAPACITY = 100;

interface Tally {
  accepted: number;
  rejected: number;
  failureReasons: Map<string, number>;
  rejectedAgents: Map<string, number>;
  /** The last outcomes, oldest first, each with its insertion number (to merge services in order). */
  recent: { n: number; entry: OfferOutcomeEntry }[];
  pending: Map<string, PendingStepOutcome>;
}

const TOP_LEVEL_FAIL = /^FAIL\(([^)]+)\)/;

export class OfferOutcomeTracker {
  private readonly services = new Map<string, Tally>();
  private inserted = 0;

  constructor(private readonly capacity = DEFAULT_TRACKER_CAPACITY) {}

  record(e: TrackedEvaluation): void {
    const tally = this.tally(e.service);
    const entries: OfferOutcomeEntry[] = [];
    for (const o of e.outcomes) {
      const entry: OfferOutcomeEntry = {
        timestamp: e.at,
        'pod-instance-name': e.requirement,
        outcome: o.pass ? 'pass' : 'fail',
        explanation: [...o.reasons],
        offer: e.describe(o.agentId),
      };
      entries.push(entry);
      tally.recent.push({ n: ++this.inserted, entry });
      if (o.pass) {
        tally.accepted++;
        continue;
      }
      tally.rejected++;
      bump(tally.rejectedAgents, o.agentId);
      for (const line of o.reasons) {
        const m = TOP_LEVEL_FAIL.exec(line);
        if (m) bump(tally.failureReasons, m[1]);
      }
    }
    if (tally.recent.length > this.capacity) tally.recent.splice(0, tally.recent.length - this.capacity);
    if (e.placed) {
      tally.pending.delete(e.stepId);
    } else {
      tally.pending.set(e.stepId, {
        service: e.service,
        plan: e.plan,
        step: e.step,
        stepId: e.stepId,
        'pod-instance-name': e.requirement,
        timestamp: e.at,
        summary: e.summary ?? '',
        offers: entries,
      });
    }
  }

  /** The step no longer waits for an agent (placed, completed, or no longer a candidate). */
  settle(service: string, stepId: string): void {
    this.services.get(service)?.pending.delete(stepId);
  }

  /** Forgets the pending steps that are not among `stepIds` (the candidates of the latest cycle). */
  retainPending(stepIds: ReadonlySet<string>): void {
    for (const tally of this.services.values()) {
      for (const id of tally.pending.keys()) if (!stepIds.has(id)) tally.pending.delete(id);
    }
  }

  /** The `GET /v2/debug/offers` body (reference §6.8) for one service, or for every service together. */
  summary(service?: string): OfferOutcomeSummary {
    const tallies = service === undefined ? [...this.services.values()] : [this.services.get(service)].filter((t): t is Tally => !!t);
    const failureReasons = new Map<string, number>();
    const rejectedAgents = new Map<string, number>();
    let accepted = 0;
    let rejected = 0;
    for (const t of tallies) {
      accepted += t.accepted;
      rejected += t.rejected;
      for (const [k, v] of t.failureReasons) bump(failureReasons, k, v);
      for (const [k, v] of t.rejectedAgents) bump(rejectedAgents, k, v);
    }
    const recent = tallies.flatMap((t) => t.recent).sort((a, b) => a.n - b.n).slice(-this.capacity);
    return {
      acceptedCount: accepted,
      rejectedCount: rejected,
      failureReasons: Object.fromEntries(failureReasons),
      rejectedAgents: Object.fromEntries(rejectedAgents),
      offers: recent.map((r) => r.entry),
      pending: tallies.flatMap((t) => [...t.pending.values()]).sort((a, b) => a.timestamp - b.timestamp || cmp(a.step, b.step)),
    };
  }

  private tally(service: string): Tally {
    let t = this.services.get(service);
    if (!t) {
      t = { accepted: 0, rejected: 0, failureReasons: new Map(), rejectedAgents: new Map(), recent: [], pending: new Map() };
      this.services.set(service, t);
    }
    return t;
  }
}

const bump = (m: Map<string, number>, key: string, by = 1): void => {
  m.set(key, (m.get(key) ?? 0) + by);
};
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * An agent as an offer, in words (the `offer` text of the tracker): id, hostname, fault domain, attributes and what
 * is free on it now.
 */
export function describeOffer(ledger: Ledger, agentId: string): string {
  const agent = ledger.agents.get(agentId);
  if (!agent) return `agent ${agentId} (not registered)`;
  const info = ledgerIndex(ledger).agents.get(agentId);
  const parts = [`agent ${agent.agentId}`, `hostname ${agent.hostname}`];
  if (agent.zone !== undefined) parts.push(`zone ${agent.zone}`);
  if (agent.region !== undefined) parts.push(`region ${agent.region}`);
  const attrs = Object.entries(agent.attributes).map(([k, v]) => `${k}:${v}`);
  if (attrs.length) parts.push(`attributes [${attrs.join(', ')}]`);
  if (info) {
    const f = freeMilli(info);
    parts.push(
      `free cpus ${formatScalar(fromMilli(f.cpus))}, memory ${formatScalar(fromMilli(f.memory))} MB, disk ${formatScalar(fromMilli(f.disk))} MB, gpus ${formatScalar(fromMilli(f.gpus))}`,
    );
    const ranges = info.sortedPortRanges.map((r) => (r.begin === r.end ? `${r.begin}` : `${r.begin}-${r.end}`));
    parts.push(`ports [${ranges.join(',')}] (${info.ports.size} reserved)`);
    const mounts = agent.resources.mounts.filter((m) => !info.mounts.has(m.root)).map((m) => `${m.root} ${m.size} MB${m.profile ? ` ${m.profile}` : ''}`);
    if (agent.resources.mounts.length) parts.push(`free mount disks [${mounts.join(', ')}]`);
  }
  if (agent.lost) parts.push('LOST');
  return parts.join('; ');
}
