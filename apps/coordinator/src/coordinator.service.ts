import { Inject, Injectable } from '@nestjs/common';
import {
  MarshalError,
  agentAggregate,
  heartbeatAgentIds,
  makeEvent,
  serviceAggregate,
  type AgentOutcome,
  type Candidate,
  type CommandRequest,
  type EventMeta,
  type HeartbeatReply,
  type MarshalEvent,
  type OfferOutcomeSummary,
  type PodSpec,
  type Proposal,
  type Recorded,
  type TaskInfo,
} from '@marshal/contracts';
import { OfferOutcomeTracker, buildTaskInfos, describeOffer, summarizeEvaluation } from '@marshal/offer';
import { requirementName } from '@marshal/contracts';
import { pausedTaskInfo } from '@marshal/plan';
import { SERVICE_CONTEXT, newId, systemClock, withCorrelation, type ServiceContext } from '@marshal/runtime';
import { CoordinatorState, type ConfigFact, type TaskFact } from './coordinator.state';
import { chainOf } from './placement/lineage';
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

const PLACING = new Set<Candidate['kind']>(['deployment', 'recovery']);
/** Evaluations of a candidate whose commits keep losing to other writers, per cycle. */
const MAX_ROUNDS = 5;
/** Longest a cycle waits for its own fold to reach what plan-manager had folded when it answered. */
const FOLD_WAIT_MS = 5_000;

/**
 * The work cycle of DESIGN.md: ask plan-manager for candidate steps → evaluate them in batches on the
 * offer-evaluator queue group → commit the proposals as reservations on the agents' subjects, guarded by each
 * agent's expected sequence (a conflict means evaluate again, never double-book) → append the launches the agents
 * run. Also notices agents that stopped heart-beating and reports them lost, and keeps the offer outcome tracker.
 */
@Injectable()
export class CoordinatorService {
  readonly state: CoordinatorState;
  readonly tracker = new OfferOutcomeTracker();
  readonly placer: Placer;
  private readonly heartbeats = new Map<string, number>();
  private readonly startedAt = Date.now();
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

  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext<Settings>) {
    const c = ctx.config;
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
        now: systemClock.now,
        actor: 'service:coordinator',
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
        const now = Date.now();
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
    this.lostTimer = setInterval(() => void this.detectLostAgents().catch((e) => this.ctx.log.error({ err: e }, 'lost-agent check failed')), 1_000);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.lostTimer) clearInterval(this.lostTimer);
    await this.loop;
  }

  private meta(correlationId: string, causationId: string | null): EventMeta {
    return { id: newId(), at: systemClock.now(), correlationId, causationId, actor: 'service:coordinator' };
  }

  /** Remembers an append; without a subject it was to an agent's ledger. */
  private noteAppended(seq: number, subject?: string): void {
    if (subject && this.ctx.subjects.parse(subject)?.kind === 'service') this.lastServiceAppend = Math.max(this.lastServiceAppend, seq);
    else this.lastLedgerAppend = Math.max(this.lastLedgerAppend, seq);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        const commandId = newId();
        const reply = await this.ctx.bus.request(
          'plan.candidates',
          { meta: { commandId, actor: 'service:coordinator', correlationId: commandId }, minSeq: this.lastServiceAppend },
          { timeoutMs: 10_000, retries: 0 },
        );
        // Know at least what plan-manager knew: which launches of a step it has recorded (see resumeLaunch).
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
    for (const c of candidates) {
      if (!PLACING.has(c.kind)) {
        after.push(guarded(c, () => this.workOther(c)));
        continue;
      }
      if (!this.state.configs.get(c.configId)?.spec.pods.some((p) => p.type === c.podType)) {
        this.ctx.log.warn({ step: c.step, configId: c.configId }, 'the configuration of a candidate is not folded yet');
        continue;
      }
      const resumed = this.state.unreportedLaunches(c);
      if (c.tasks.length > 0 && resumed.size === c.tasks.length) {
        // A coordinator stopped after launching this step's tasks but before telling plan-manager: tell it now.
        after.push(guarded(c, () => this.reportResumed(c, [...resumed.values()])));
        continue;
      }
      toPlace.push(c);
    }

    // Kill phase (reference §2.6): tasks being replaced are asked to stop before the relaunch.
    await runPool(toPlace, this.ctx.config.LAUNCH_CONCURRENCY, (c) => withCorrelation(c.stepId, () => this.killReplaced(c)));

    const configs: Record<string, PodSpec[]> = {};
    for (const c of toPlace) configs[c.configId] ??= (this.state.configs.get(c.configId) as ConfigFact).spec.pods;
    if (toPlace.length > 0) {
      await this.placer.place(toPlace, configs, (r) => after.push(guarded(r.candidate, () => this.afterPlacement(r))));
    }
    await after.drained();
  }

  private async workOther(c: Candidate): Promise<void> {
    switch (c.kind) {
      case 'kill':
        return this.killStep(c);
      case 'unreserve':
        return this.unreserveStep(c);
      default:
        // erase, deregister, tls-cleanup: nothing to do outside plan-manager's own bookkeeping.
        await this.report(c, { kind: 'done', note: `${c.kind} needs no agent action` });
    }
  }

  /**
   * Reports to plan-manager; resolves with the sequence of what it appended. `about` is the event the report is about
   * (the reservation, the last launch, the kill): it is the command's id, so plan-manager's transition names it as its
   * cause. It must be this step's alone: command ids key the replies remembered for retries.
   */
  private async report(candidate: Candidate, result: CommandRequest<'plan.offer-evaluated'>['result'], about?: string): Promise<number> {
    const r = await this.ctx.bus.request('plan.offer-evaluated', {
      meta: { commandId: about ?? newId(), actor: 'service:coordinator', correlationId: chainOf(candidate).correlationId },
      service: candidate.service,
      plan: candidate.plan,
      stepId: candidate.stepId,
      minSeq: this.lastServiceAppend,
      result,
    });
    this.noteAppended(r.seq, this.ctx.subjects.servicePlan(candidate.service));
    return r.seq;
  }

  /** Reports a step's launched tasks (statuses they sent before the report are applied by plan-manager). */
  private async reportLaunched(c: Candidate, tasks: { taskId: string; taskName: string }[], about?: string): Promise<void> {
    await this.report(c, { kind: 'launched', tasks }, about);
  }

  private async killReplaced(candidate: Candidate): Promise<void> {
    const keep = new Set([...this.state.unreportedLaunches(candidate).values()].map((t) => t.taskId));
    for (const t of candidate.tasksToKill) {
      if (keep.has(t.taskId)) continue;
      const ev = makeEvent('TaskKillRequested', serviceAggregate(candidate.service), {
        service: candidate.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, reason: `relaunch by ${candidate.plan}/${candidate.step}`,
      }, this.meta(chainOf(candidate).correlationId, chainOf(candidate).causationId));
      const subject = this.ctx.subjects.serviceTask(candidate.service, t.agentId);
      const r = await this.ctx.store.append(subject, ev, { msgId: `${candidate.stepId}:kill:${t.taskId}` });
      this.noteAppended(r.seq, subject);
    }
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
        const first = r.outcomes.find((o) => !o.pass);
        const why = first ? `${first.hostname}: ${first.reasons.filter((l) => l.startsWith('FAIL')).join('; ')}` : 'no agent is registered';
        if (c.status !== 'PREPARED') await this.report(c, { kind: 'no-fit', outcome: `no agent fits: ${why}` });
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
      at: Date.now(),
      outcomes,
      placed,
      ...(summary === undefined ? {} : { summary }),
      describe: (agentId) => describeOffer(this.state.ledger, agentId),
    });
  }

  /**
   * Reserved (step PREPARED), then launched (step STARTING); a replaced pod's old reservation is given back. What
   * follows the reservation is caused by it (`reservedBy`, the event id).
   */
  private async launchReserved(c: Candidate, proposal: Proposal, reservationId: string, reservedBy: string, shared: boolean): Promise<void> {
    await this.report(c, { kind: 'reserved', agentId: proposal.agentId, hostname: proposal.hostname }, shared ? undefined : reservedBy);
    await this.releaseMovedReservation(c, proposal.agentId, reservationId, reservedBy);
    const config = this.state.configs.get(c.configId) as ConfigFact;
    const { tasks, lastEventId } = await this.launch(c, config, reservationId, proposal, reservedBy);
    await this.reportLaunched(c, tasks, lastEventId);
  }

  private async reportResumed(c: Candidate, tasks: TaskFact[]): Promise<void> {
    this.ctx.log.info({ step: c.step, tasks: tasks.map((t) => t.taskId) }, 'reporting a launch a previous coordinator did not report');
    if (c.status === 'PENDING') await this.report(c, { kind: 'reserved', agentId: tasks[0].agentId, hostname: this.state.ledger.agents.get(tasks[0].agentId)?.hostname ?? tasks[0].agentId });
    await this.reportLaunched(c, tasks.map((t) => ({ taskId: t.taskId, taskName: t.taskName })));
  }

  /** Decommission `kill-<task>` (reference §3.5): ask the task's agent to kill it, then the step is done. */
  private async killStep(candidate: Candidate): Promise<void> {
    // Decommission steps name the task (`kill-<task name>`), uninstall steps its id (`kill-task-<task id>`).
    const t = [...this.state.tasks.values()].reverse().find((x) => x.service === candidate.service && (x.taskName === candidate.target || x.taskId === candidate.target));
    const chain = chainOf(candidate);
    let killed: string | undefined;
    if (t && this.state.liveTasksOn(t.agentId).some((x) => x.taskId === t.taskId)) {
      const ev = makeEvent('TaskKillRequested', serviceAggregate(candidate.service), {
        service: candidate.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, reason: `decommission by ${candidate.plan}/${candidate.step}`,
      }, this.meta(chain.correlationId, chain.causationId));
      const subject = this.ctx.subjects.serviceTask(candidate.service, t.agentId);
      const r = await this.ctx.store.append(subject, ev, { msgId: `${candidate.stepId}:kill:${t.taskId}` });
      this.noteAppended(r.seq, subject);
      killed = ev.id;
    }
    await this.report(candidate, { kind: 'done', note: t ? `killed ${t.taskName}` : `${candidate.target ?? 'task'} was not running` }, killed);
  }

  /** Decommission/uninstall `unreserve-<id>`: give the reservation back to its agent. */
  private async unreserveStep(candidate: Candidate): Promise<void> {
    const chain = chainOf(candidate);
    let released: string | undefined;
    for (const agent of this.state.ledger.agents.values()) {
      const res = candidate.target ? agent.reservations.get(candidate.target) : undefined;
      if (!res) continue;
      const ev = makeEvent('ResourcesReleased', agentAggregate(agent.agentId), {
        agentId: agent.agentId, reservationId: res.reservationId, service: candidate.service, reason: `${candidate.plan}/${candidate.step}`,
      }, this.meta(chain.correlationId, chain.causationId));
      const r = await this.ctx.store.append(this.ctx.subjects.agent(agent.agentId), ev, { msgId: `release:${res.reservationId}` });
      this.noteAppended(r.seq);
      released = ev.id;
    }
    await this.report(candidate, { kind: 'done', note: `released ${candidate.target ?? ''}` }, released);
  }

  /** A pod replaced elsewhere (PERMANENT recovery) gives its old reservation back. */
  private async releaseMovedReservation(candidate: Candidate, agentId: string, reservationId: string, cause: string): Promise<void> {
    for (const agent of this.state.ledger.agents.values()) {
      for (const res of agent.reservations.values()) {
        if (res.service !== candidate.service || res.podType !== candidate.podType || res.podIndex !== candidate.podIndex) continue;
        if (res.reservationId === reservationId && agent.agentId === agentId) continue;
        const ev = makeEvent('ResourcesReleased', agentAggregate(agent.agentId), {
          agentId: agent.agentId, reservationId: res.reservationId, service: candidate.service, reason: `${candidate.podType}-${candidate.podIndex} replaced on ${agentId}`,
        }, this.meta(chainOf(candidate).correlationId, cause));
        const r = await this.ctx.store.append(this.ctx.subjects.agent(agent.agentId), ev, { msgId: `release:${res.reservationId}` });
        this.noteAppended(r.seq);
      }
    }
  }

  /**
   * Appends a TaskLaunched per task of the step. Tasks of the step already launched and never reported (a previous
   * coordinator stopped in the middle) are kept, not launched a second time. The launches are caused by the
   * reservation (`cause`); `lastEventId` is the last one appended.
   */
  private async launch(
    candidate: Candidate,
    config: ConfigFact,
    reservationId: string,
    proposal: Proposal,
    cause: string,
  ): Promise<{ tasks: { taskId: string; taskName: string }[]; lastEventId?: string }> {
    const agent = this.state.ledger.agents.get(proposal.agentId);
    const pod = config.spec.pods.find((p) => p.type === candidate.podType);
    if (!pod) return { tasks: [] };
    const sanitized = candidate.service.replace(/^\/+|\/+$/g, '').replace(/\//g, '.');
    const tasks: TaskInfo[] = buildTaskInfos({
      spec: config.spec,
      configId: candidate.configId,
      candidate,
      pod,
      proposal,
      agent: {
        agentId: proposal.agentId,
        hostname: proposal.hostname,
        attributes: agent?.attributes ?? {},
        ...(agent?.zone ? { zone: agent.zone } : {}),
        ...(agent?.region ? { region: agent.region } : {}),
      },
      reservationId,
      newTaskId: (taskName) => `${sanitized}__${taskName}__${newId()}`,
      settings: {
        serviceTld: config.schedulerEnv['SERVICE_TLD'] || 'autoip.dcos.thisdcos.directory',
        vipTld: config.schedulerEnv['VIP_TLD'] || 'l4lb.thisdcos.directory',
        apiHostname: this.ctx.config.API_HOSTNAME,
        apiPort: this.ctx.config.API_PORT,
      },
    });
    const already = this.state.unreportedLaunches(candidate);
    const subject = this.ctx.subjects.serviceTask(candidate.service, proposal.agentId);
    const launched: { taskId: string; taskName: string }[] = [];
    let lastEventId: string | undefined;
    for (const built of tasks) {
      const earlier = already.get(built.taskName);
      if (earlier && earlier.agentId === proposal.agentId) {
        launched.push({ taskId: earlier.taskId, taskName: earlier.taskName });
        continue;
      }
      // A task with a PAUSED goal override runs idle (reference §1.6.4).
      const task = candidate.paused?.includes(built.taskSpecName) ? pausedTaskInfo(built, config.schedulerEnv) : built;
      const ev = makeEvent('TaskLaunched', serviceAggregate(candidate.service), {
        service: candidate.service, agentId: proposal.agentId, hostname: proposal.hostname, reservationId,
        step: { plan: candidate.plan, phaseId: candidate.phaseId, stepId: candidate.stepId, step: candidate.step },
        task,
      }, this.meta(chainOf(candidate).correlationId, cause));
      const r = await this.ctx.store.append(subject, ev);
      this.noteAppended(r.seq, subject);
      launched.push({ taskId: task.taskId, taskName: task.taskName });
      lastEventId = ev.id;
    }
    this.ctx.log.info({ service: candidate.service, step: candidate.step, agentId: proposal.agentId, tasks: launched.map((t) => t.taskName) }, 'launched');
    return { tasks: launched, lastEventId };
  }

  /** An agent silent for AGENT_TIMEOUT_MS is lost: its tasks become TASK_LOST so recovery can act (reference §3.4). */
  private async detectLostAgents(): Promise<void> {
    const now = Date.now();
    for (const agent of this.state.ledger.agents.values()) {
      if (agent.lost) continue;
      const seen = this.heartbeats.get(agent.agentId) ?? this.startedAt;
      if (now - seen < this.ctx.config.AGENT_TIMEOUT_MS) continue;
      const correlation = newId();
      const lost = makeEvent('AgentLost', agentAggregate(agent.agentId), {
        agentId: agent.agentId, lastSeen: new Date(seen).toISOString(), reason: `no heartbeat for ${this.ctx.config.AGENT_TIMEOUT_MS} ms`,
      }, this.meta(correlation, null));
      const r = await this.ctx.store.append(this.ctx.subjects.agent(agent.agentId), lost);
      this.noteAppended(r.seq);
      // Folded at once: the next check (a second from now) must not report the agent again before the log says so.
      agent.lost = true;
      this.ctx.log.warn({ agentId: agent.agentId, hostname: agent.hostname }, 'agent lost');
      for (const t of this.state.liveTasksOn(agent.agentId)) {
        const ev = makeEvent('TaskStatusUpdated', serviceAggregate(t.service), {
          service: t.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, state: 'TASK_LOST', message: `agent ${agent.hostname} stopped reporting`,
        }, { ...this.meta(correlation, lost.id) });
        const subject = this.ctx.subjects.serviceTask(t.service, t.agentId);
        const s = await this.ctx.store.append(subject, ev);
        this.noteAppended(s.seq, subject);
        t.lastState = 'TASK_LOST';
      }
    }
  }
}
