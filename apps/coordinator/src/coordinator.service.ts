import { Inject, Injectable } from '@nestjs/common';
import {
  MarshalError,
  heartbeatAgentIds,
  requirementName,
  type AgentOutcome,
  type Candidate,
  type HeartbeatReply,
  type MarshalEvent,
  type OfferOutcomeSummary,
  type PodSpec,
  type Proposal,
  type Recorded,
} from '@marshal/contracts';
import { SuspectServices, type AppendOptions } from '@marshal/messaging';
import { OfferOutcomeTracker, describeOffer, summarizeEvaluation } from '@marshal/offer';
import { SERVICE_CONTEXT, newId, withCorrelation, type ServiceContext } from '@marshal/runtime';
import {
  chainOf,
  decideStep,
  detectLostAgents,
  killReplaced,
  launchTasks,
  noFitReport,
  releaseMovedReservation,
  resumedReports,
  triage,
  type Append,
  type ConfigFact,
  type DecisionContext,
  type StepReport,
  type TaskFact,
} from '@marshal/scheduling';
import { CLOCK, type Clock } from './clock';
import { CoordinatorState } from './coordinator.state';
import { Placer, type PlacementResult } from './placement/placer';
import { WorkQueue, runPool } from './placement/pool';

interface Settings {
  CYCLE_INTERVAL_MS: number;
  EVALUATION_TIMEOUT_MS: number;
  EVALUATION_BATCH_SIZE: number;
  EVALUATION_CONCURRENCY: number;
  LAUNCH_CONCURRENCY: number;
  AGENT_TIMEOUT_MS: number;
  API_HOSTNAME: string;
  API_PORT: number;
}

/** Evaluations of a candidate whose commits keep losing to other writers, per cycle. */
const MAX_ROUNDS = 5;
/** Longest a cycle waits for its own fold to reach what plan-manager had folded when it answered. */
const FOLD_WAIT_MS = 5_000;
const ACTOR = 'service:coordinator';

/**
 * The work cycle of DESIGN.md: ask plan-manager for candidate steps → evaluate them in batches on the
 * offer-evaluator queue group → commit the proposals as reservations on the agents' subjects, guarded by each
 * agent's expected sequence (a conflict means evaluate again, never double-book) → append the launches the agents
 * run. Also notices agents that stopped heart-beating and reports them lost, and keeps the offer outcome tracker.
 * What to append is decided by the rules of `@marshal/scheduling`; this shell sends, appends and reports.
 */
@Injectable()
export class CoordinatorService {
  readonly state: CoordinatorState;
  readonly tracker = new OfferOutcomeTracker();
  readonly placer: Placer;
  /** Last heartbeat of each agent, ms since the epoch by the injected clock. */
  private readonly heartbeats = new Map<string, number>();
  private readonly startedAt: number;
  /** Last sequence this coordinator appended to an agent's ledger: evaluations must see its own reservations. */
  private lastLedgerAppend = 0;
  /**
   * Last sequence it appended to a service subject: what plan-manager must have folded before answering it (its
   * fold covers the services' histories, not the agents' ledgers).
   */
  private lastServiceAppend = 0;
  private running = false;
  private loop?: Promise<void>;
  private lostTimer?: NodeJS.Timeout;
  /** Services whose events this fold parked: their candidates are not worked on until the events are applied. */
  readonly suspects: SuspectServices;

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext<Settings>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    const c = ctx.config;
    this.suspects = new SuspectServices(ctx.subjects);
    this.startedAt = this.nowMs();
    this.state = new CoordinatorState(ctx.subjects);
    this.placer = new Placer(
      {
        store: ctx.store,
        subjects: ctx.subjects,
        evaluate: (req) => ctx.bus.request('offer.evaluate-batch', req, { timeoutMs: c.EVALUATION_TIMEOUT_MS, retries: 1 }),
        ledgerSeq: () => Math.max(this.state.ledger.seq, this.lastLedgerAppend),
        agentCount: () => this.state.ledger.agents.size,
        noteLedgerSeq: (seq) => this.noteAppended(seq),
        newId,
        now: () => this.clock.now(),
        actor: ACTOR,
        log: ctx.log,
      },
      { batchSize: c.EVALUATION_BATCH_SIZE, inFlight: c.EVALUATION_CONCURRENCY, maxRounds: MAX_ROUNDS, evaluationTimeoutMs: c.EVALUATION_TIMEOUT_MS },
    );
  }

  apply(rec: Recorded<MarshalEvent>): void {
    this.state.apply(rec);
  }

  /** `coordinator.offers`: the offer outcome tracker (reference §5.6, §6.8). */
  offers(service?: string): OfferOutcomeSummary {
    return this.tracker.summary(service);
  }

  start(): void {
    const sub = this.ctx.nc.subscribe(this.ctx.subjects.allHeartbeats);
    void (async () => {
      for await (const m of sub) {
        let payload: unknown;
        try {
          payload = m.json();
        } catch {
          continue;
        }
        const now = this.nowMs();
        const ids = heartbeatAgentIds(payload);
        for (const id of ids) this.heartbeats.set(id, now);
        // Agents the log holds lost are alive after all: tell them to register again.
        if (m.reply) m.respond(JSON.stringify({ lost: ids.filter((id) => this.state.ledger.agents.get(id)?.lost) } satisfies HeartbeatReply));
      }
    })();
    this.lastLedgerAppend = this.state.ledger.seq;
    this.lastServiceAppend = this.state.serviceSeq;
    this.running = true;
    this.loop = this.run();
    this.lostTimer = setInterval(() => void this.checkLostAgents().catch((e) => this.ctx.log.error({ err: e }, 'lost-agent check failed')), 1_000);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.lostTimer) clearInterval(this.lostTimer);
    this.state.close();
    await this.loop;
  }

  private nowMs(): number {
    return Date.parse(this.clock.now());
  }

  /** What the rules decide with: the time now by the one clock, fresh ids, this service as the actor. */
  private decisionContext(): DecisionContext {
    return { subjects: this.ctx.subjects, now: this.clock.now(), newId, actor: ACTOR };
  }

  /** Remembers an append; without a subject it was to an agent's ledger. */
  private noteAppended(seq: number, subject?: string): void {
    if (subject && this.ctx.subjects.parse(subject)?.kind === 'service') this.lastServiceAppend = Math.max(this.lastServiceAppend, seq);
    else this.lastLedgerAppend = Math.max(this.lastLedgerAppend, seq);
  }

  /** Appends what a rule decided, in order, noting each sequence; resolves with the events as recorded. */
  private async commit(appends: readonly Append[]): Promise<Recorded<MarshalEvent>[]> {
    const recorded: Recorded<MarshalEvent>[] = [];
    for (const a of appends) {
      const opts: AppendOptions = {};
      if (a.msgId !== undefined) opts.msgId = a.msgId;
      if (a.expectedLastSubjectSeq !== undefined) opts.expectedLastSubjectSeq = a.expectedLastSubjectSeq;
      const r = await this.ctx.store.append(a.subject, a.event, opts);
      this.noteAppended(r.seq, a.subject);
      recorded.push({ seq: r.seq, subject: a.subject, event: a.event });
    }
    return recorded;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        const commandId = newId();
        const reply = await this.ctx.bus.request(
          'plan.candidates',
          { meta: { commandId, actor: ACTOR, correlationId: commandId }, minSeq: this.lastServiceAppend },
          { timeoutMs: 10_000, retries: 0 },
        );
        // Know at least what plan-manager knew: which launches of a step it has recorded (see resumedReports).
        if (!(await this.state.reach(reply.seq, FOLD_WAIT_MS))) this.ctx.log.warn({ seq: reply.seq, folded: this.state.seq }, 'fold is behind plan-manager');
        const appended = this.lastServiceAppend + this.lastLedgerAppend;
        await this.workAll(reply.candidates);
        // Steps that still fit nowhere are evaluated again after a pause, not in a busy loop.
        worked = this.lastServiceAppend + this.lastLedgerAppend !== appended;
        this.tracker.retainPending(new Set(reply.candidates.map((c) => c.stepId)));
      } catch (e) {
        const code = e instanceof MarshalError ? e.code : undefined;
        if (code !== 'UNAVAILABLE' && code !== 'TIMEOUT') this.ctx.log.error({ err: e }, 'work cycle failed');
        else this.ctx.log.debug({ code }, 'plan-manager not answering yet');
      }
      if (!worked) await new Promise((r) => setTimeout(r, this.ctx.config.CYCLE_INTERVAL_MS));
    }
  }

  private async workAll(candidates: Candidate[]): Promise<void> {
    const after = new WorkQueue(this.ctx.config.LAUNCH_CONCURRENCY);
    const guarded = (c: Candidate, job: () => Promise<void>) => () =>
      withCorrelation(c.stepId, job).catch((e) => this.ctx.log.error({ err: e, step: c.step, service: c.service }, 'could not work on candidate'));

    const toPlace: Candidate[] = [];
    const workable = candidates.filter((c) => {
      if (!this.suspects.has(c.service)) return true;
      this.ctx.log.debug({ service: c.service, step: c.step, parked: this.suspects.sequences(c.service) }, 'candidate of a suspect service left alone');
      return false;
    });
    for (const t of triage(this.state, workable)) {
      const c = t.candidate;
      switch (t.kind) {
        case 'carry-out':
          after.push(guarded(c, () => this.carryOut(c)));
          break;
        case 'wait':
          this.ctx.log.warn({ step: c.step, configId: c.configId }, 'the configuration of a candidate is not folded yet');
          break;
        case 'resume':
          // A coordinator stopped after launching this step's tasks but before telling plan-manager: tell it now.
          after.push(guarded(c, () => this.reportResumed(c, t.tasks)));
          break;
        case 'place':
          toPlace.push(c);
          break;
      }
    }

    // Kill phase (reference §2.6): tasks being replaced are asked to stop before the relaunch.
    await runPool(toPlace, this.ctx.config.LAUNCH_CONCURRENCY, (c) =>
      withCorrelation(c.stepId, async () => {
        await this.commit(killReplaced(this.state, c, this.decisionContext()));
      }),
    );

    const configs: Record<string, PodSpec[]> = {};
    for (const c of toPlace) configs[c.configId] ??= (this.state.configs.get(c.configId) as ConfigFact).spec.pods;
    if (toPlace.length > 0) {
      await this.placer.place(toPlace, configs, (r) => after.push(guarded(r.candidate, () => this.afterPlacement(r))));
    }
    await after.drained();
  }

  /** A step without a placement (decommission/uninstall kill, unreserve, …): append what it needs, then report it. */
  private async carryOut(c: Candidate): Promise<void> {
    const decision = decideStep(this.state, c, this.decisionContext());
    await this.commit(decision.appends);
    await this.report(c, decision.report);
  }

  /** Reports to plan-manager; resolves with the sequence of what it appended. */
  private async report(candidate: Candidate, { result, about }: StepReport): Promise<number> {
    const r = await this.ctx.bus.request('plan.offer-evaluated', {
      meta: { commandId: about ?? newId(), actor: ACTOR, correlationId: chainOf(candidate).correlationId },
      service: candidate.service,
      plan: candidate.plan,
      stepId: candidate.stepId,
      minSeq: this.lastServiceAppend,
      result,
    });
    this.noteAppended(r.seq, this.ctx.subjects.servicePlan(candidate.service));
    return r.seq;
  }

  private async afterPlacement(r: PlacementResult): Promise<void> {
    const c = r.candidate;
    switch (r.kind) {
      case 'reserved':
        // A placed candidate of a large batch comes without its explanation; it still counts as accepted.
        this.track(c, r.outcomes.length ? r.outcomes : [{ agentId: r.proposal.agentId, hostname: r.proposal.hostname, pass: true, reasons: [] }], true);
        return this.launchReserved(c, r.proposal, r.reservationId, r.eventId, r.shared);
      case 'no-fit': {
        const summary = summarizeEvaluation(c, { proposal: null, outcomes: r.outcomes }, this.state.ledger.agents.size);
        this.track(c, r.outcomes, false, summary);
        const report = noFitReport(c, r.outcomes);
        if (report) await this.report(c, report);
        return;
      }
      case 'error':
        this.ctx.log.error({ step: c.step, service: c.service, message: r.message }, 'could not evaluate candidate');
        return;
      case 'gave-up':
        this.ctx.log.warn({ step: c.step, service: c.service }, 'commits kept losing to other writers; will try again next cycle');
        return;
    }
  }

  private track(c: Candidate, outcomes: AgentOutcome[], placed: boolean, summary?: string): void {
    this.tracker.record({
      service: c.service,
      plan: c.plan,
      stepId: c.stepId,
      step: c.step,
      requirement: requirementName(c),
      at: this.nowMs(),
      outcomes,
      placed,
      ...(summary === undefined ? {} : { summary }),
      describe: (agentId) => describeOffer(this.state.ledger, agentId),
    });
  }

  /**
   * Reserved (step PREPARED), then launched (step STARTING); a replaced pod's old reservation is given back. What
   * follows the reservation is caused by it (`reservedBy`, the event id); a report about a shared reservation event
   * (a batch) gets an id of its own.
   */
  private async launchReserved(c: Candidate, proposal: Proposal, reservationId: string, reservedBy: string, shared: boolean): Promise<void> {
    await this.report(c, { result: { kind: 'reserved', agentId: proposal.agentId, hostname: proposal.hostname }, ...(shared ? {} : { about: reservedBy }) });
    await this.commit(releaseMovedReservation(this.state, c, { agentId: proposal.agentId, reservationId, cause: reservedBy }, this.decisionContext()));
    const config = this.state.configs.get(c.configId) as ConfigFact;
    const api = { hostname: this.ctx.config.API_HOSTNAME, port: this.ctx.config.API_PORT };
    const launch = launchTasks(this.state, { candidate: c, config, proposal, reservationId, cause: reservedBy, api }, this.decisionContext());
    await this.commit(launch.appends);
    this.ctx.log.info({ service: c.service, step: c.step, agentId: proposal.agentId, tasks: launch.tasks.map((t) => t.taskName) }, 'launched');
    await this.report(c, { result: { kind: 'launched', tasks: launch.tasks }, ...(launch.lastEventId ? { about: launch.lastEventId } : {}) });
  }

  private async reportResumed(c: Candidate, tasks: TaskFact[]): Promise<void> {
    this.ctx.log.info({ step: c.step, tasks: tasks.map((t) => t.taskId) }, 'reporting a launch a previous coordinator did not report');
    for (const report of resumedReports(this.state, c, tasks)) await this.report(c, report);
  }

  /**
   * The lost-agent rule (reference §3.4), every second. What was appended is folded at once: the next check (a second
   * from now) must not report the agent again before the log says so.
   */
  private async checkLostAgents(): Promise<void> {
    const liveness = { heartbeats: this.heartbeats, startedAt: this.startedAt, timeoutMs: this.ctx.config.AGENT_TIMEOUT_MS };
    for (const a of detectLostAgents(this.state, liveness, this.decisionContext())) {
      this.state.applyAppended(await this.commit([a]));
      if (a.event.type === 'AgentLost') {
        this.ctx.log.warn({ agentId: a.event.data.agentId, hostname: this.state.ledger.agents.get(a.event.data.agentId)?.hostname }, 'agent lost');
      }
    }
  }
}
