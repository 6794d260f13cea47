import { MarshalError, type AgentOutcome, type Candidate, type CommandReply, type CommandRequest, type PodSpec, type Proposal, type Subjects } from '@marshal/contracts';
import type { EventStore, Logger } from '@marshal/messaging';
import { chainOf, reserveOnAgent, type Proposed as ProposedPod } from '@marshal/scheduling';
import { runPool } from './pool';

/** Batches up to this size get the winner's explanation with each placed candidate. */
export const EXPLAIN_PLACED_UP_TO = 20;

export type BatchEvaluator = (request: CommandRequest<'offer.evaluate-batch'>) => Promise<CommandReply<'offer.evaluate-batch'>>;

export interface PlacerDeps {
  store: Pick<EventStore, 'append' | 'lastSeq'>;
  subjects: Subjects;
  /** Sends a batch to the offer-evaluator queue group (or anything answering the same command). */
  evaluate: BatchEvaluator;
  /** The ledger sequence an evaluation must at least see: the caller's fold and its own commits. */
  ledgerSeq: () => number;
  /** Agents known, to spread the batches evaluated at the same time over them. */
  agentCount: () => number;
  /** Told the sequence of every commit, and of the agent subject a conflicting commit lost to. */
  noteLedgerSeq: (seq: number) => void;
  newId: () => string;
  now: () => string;
  actor: string;
  log: Logger;
}

export interface PlacerSettings {
  /** Candidates per evaluation request. */
  batchSize: number;
  /** Evaluation requests in flight at once (spread over the evaluators of the queue group). */
  inFlight: number;
  /** Evaluations of a candidate whose commit kept losing to other writers before it is left for the next cycle. */
  maxRounds: number;
  evaluationTimeoutMs: number;
}

export type PlacementResult =
  /**
   * `eventId` is the reservation event; `shared` when it holds other candidates' reservations too (a
   * ResourcesReservedBatch), so it cannot stand for this candidate alone (e.g. as the id of a report about it).
   */
  | { kind: 'reserved'; candidate: Candidate; proposal: Proposal; reservationId: string; seq: number; eventId: string; shared: boolean; outcomes: AgentOutcome[] }
  | { kind: 'no-fit'; candidate: Candidate; outcomes: AgentOutcome[] }
  | { kind: 'error'; candidate: Candidate; message: string }
  /** Still losing commits to other writers after `maxRounds` evaluations: tried again next cycle. */
  | { kind: 'gave-up'; candidate: Candidate };

export interface PlacerStats {
  batches: number;
  evaluated: number;
  commits: number;
  reserved: number;
  conflicts: number;
}

interface Proposed extends ProposedPod {
  outcomes: AgentOutcome[];
}

/**
 * The coordinator's placement path (DESIGN.md "Flow of one deployment", step 4): candidates go to the evaluators in
 * batches; every proposal of a batch for one agent is committed in one append to that agent's ledger subject,
 * guarded by the agent sequence the evaluation saw. A commit that loses to another writer (CONFLICT) commits
 * nothing, and its candidates are evaluated again against the newer ledger — so two tasks never share resources,
 * however many coordinators commit at once.
 */
export class Placer {
  readonly stats: PlacerStats = { batches: 0, evaluated: 0, commits: 0, reserved: 0, conflicts: 0 };

  constructor(
    private readonly deps: PlacerDeps,
    private readonly settings: PlacerSettings,
  ) {}

  /**
   * Places every candidate (kinds deployment and recovery): `onResult` hears of each as soon as it is decided, in
   * no particular order; resolves when all are. `configs` holds the pods of every configuration the candidates name.
   */
  async place(candidates: readonly Candidate[], configs: Readonly<Record<string, PodSpec[]>>, onResult: (r: PlacementResult) => void): Promise<void> {
    let queue = [...candidates];
    for (let round = 1; queue.length > 0 && round <= this.settings.maxRounds; round++) {
      const again: Candidate[] = [];
      const batches: Candidate[][] = [];
      for (let i = 0; i < queue.length; i += this.settings.batchSize) batches.push(queue.slice(i, i + this.settings.batchSize));
      const agents = this.deps.agentCount();
      // The batches of a round look at the ledger as of the round's start: they start their searches at agents
      // spread evenly over the ledger, so they rarely want each other's agents, and an evaluator need not wait
      // for the other batches' commits. A lone batch starts at the first agent, as a single evaluation does.
      // Whatever does collide loses its commit and is evaluated again next round, against the newer ledger.
      const ledgerSeq = this.deps.ledgerSeq();
      await runPool(batches, this.settings.inFlight, (batch, i) => {
        const startAt = batches.length > 1 && agents > 0 ? Math.floor((i * agents) / batches.length) : 0;
        return this.evaluateAndCommit(batch, configs, ledgerSeq, startAt, again, onResult);
      });
      queue = again;
    }
    for (const candidate of queue) onResult({ kind: 'gave-up', candidate });
  }

  private async evaluateAndCommit(
    batch: Candidate[],
    configs: Readonly<Record<string, PodSpec[]>>,
    ledgerSeq: number,
    startAt: number,
    again: Candidate[],
    onResult: (r: PlacementResult) => void,
  ): Promise<void> {
    const used: Record<string, PodSpec[]> = {};
    for (const c of batch) if (configs[c.configId]) used[c.configId] = configs[c.configId];
    const commandId = this.deps.newId();
    let reply: CommandReply<'offer.evaluate-batch'>;
    try {
      reply = await this.deps.evaluate({
        meta: { commandId, actor: this.deps.actor, correlationId: batch.length === 1 ? chainOf(batch[0]).correlationId : commandId },
        candidates: batch,
        configs: used,
        ledgerSeq,
        ...(startAt > 0 ? { startAt } : {}),
        // Keep a batch reply small: a full explanation only when few candidates travel together, and the winner's
        // lines for a placed candidate only in small batches (a large one places more than anyone reads).
        maxOutcomes: Math.max(1, Math.min(50, Math.floor(1000 / batch.length))),
        maxOutcomesWithProposal: batch.length <= EXPLAIN_PLACED_UP_TO ? 1 : 0,
      });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      for (const candidate of batch) onResult({ kind: 'error', candidate, message: `evaluation failed: ${message}` });
      return;
    }
    this.stats.batches++;
    this.stats.evaluated += batch.length;
    const groups = new Map<string, Proposed[]>();
    reply.results.forEach((r, i) => {
      const candidate = batch[i];
      if (!candidate) return;
      if (r.stepId !== candidate.stepId) again.push(candidate);
      else if (r.error !== undefined) onResult({ kind: 'error', candidate, message: r.error });
      else if (r.deferred) again.push(candidate);
      else if (!r.proposal) onResult({ kind: 'no-fit', candidate, outcomes: r.outcomes });
      else {
        const pod = used[candidate.configId]?.find((p) => p.type === candidate.podType);
        if (!pod) onResult({ kind: 'error', candidate, message: `pod type ${candidate.podType} is not in configuration ${candidate.configId}` });
        else {
          const group = groups.get(r.proposal.agentId) ?? [];
          group.push({ candidate, proposal: r.proposal, outcomes: r.outcomes, pod });
          groups.set(r.proposal.agentId, group);
        }
      }
    });
    for (let i = reply.results.length; i < batch.length; i++) again.push(batch[i]);
    await Promise.all([...groups].map(([agentId, group]) => this.commit(agentId, group, again, onResult)));
  }

  /** One append for every proposal of a batch on one agent: all of them, or (on a conflict) none. */
  private async commit(agentId: string, group: Proposed[], again: Candidate[], onResult: (r: PlacementResult) => void): Promise<void> {
    const { append, reservationIds } = reserveOnAgent(agentId, group, { subjects: this.deps.subjects, now: this.deps.now(), newId: this.deps.newId, actor: this.deps.actor });
    const subject = append.subject;
    let seq: number;
    try {
      seq = (await this.deps.store.append(subject, append.event, { expectedLastSubjectSeq: append.expectedLastSubjectSeq })).seq;
    } catch (e) {
      if (!(e instanceof MarshalError && e.code === 'CONFLICT')) {
        const message = e instanceof Error ? e.message : String(e);
        for (const { candidate } of group) onResult({ kind: 'error', candidate, message: `commit failed: ${message}` });
        return;
      }
      this.stats.conflicts += group.length;
      this.deps.log.debug({ agentId, candidates: group.length }, 'agent ledger moved under the proposal: evaluating again');
      this.deps.noteLedgerSeq(await this.deps.store.lastSeq(subject).catch(() => 0));
      again.push(...group.map((g) => g.candidate));
      return;
    }
    this.deps.noteLedgerSeq(seq);
    this.stats.commits++;
    this.stats.reserved += group.length;
    group.forEach(({ candidate, proposal, outcomes }, i) =>
      onResult({ kind: 'reserved', candidate, proposal, reservationId: reservationIds[i], seq, eventId: append.event.id, shared: group.length > 1, outcomes }),
    );
  }
}
