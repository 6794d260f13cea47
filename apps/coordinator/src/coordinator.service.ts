import { Inject, Injectable } from '@nestjs/common';
import {
  MarshalError,
  agentAggregate,
  makeEvent,
  serviceAggregate,
  type AgentOutcome,
  type Candidate,
  type CommandRequest,
  type EventMeta,
  type MarshalEvent,
  type Recorded,
} from '@marshal/contracts';
import { buildTaskInfos, toReservation } from '@marshal/offer';
import { SERVICE_CONTEXT, newId, systemClock, withCorrelation, type ServiceContext } from '@marshal/runtime';
import { CoordinatorState } from './coordinator.state';

interface Settings {
  CYCLE_INTERVAL_MS: number;
  EVALUATION_TIMEOUT_MS: number;
  EVALUATION_CONCURRENCY: number;
  AGENT_TIMEOUT_MS: number;
  API_HOSTNAME: string;
  API_PORT: number;
}

/** The last evaluation outcome of a step that could not be placed, for `GET /v2/debug/offers`. */
export interface StepOutcome {
  at: string;
  service: string;
  step: string;
  outcomes: AgentOutcome[];
}

/**
 * The work cycle of DESIGN.md: ask plan-manager for candidate steps → evaluate each on the offer-evaluator queue group
 * → commit the proposal as a reservation on the agent's subject, guarded by the agent's expected sequence (a
 * conflict means re-evaluate, never double-book) → append the launches the agent will run. Also notices agents that
 * stopped heart-beating and reports them lost.
 */
@Injectable()
export class CoordinatorService {
  readonly state = new CoordinatorState();
  readonly outcomes = new Map<string, StepOutcome>();
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

  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext<Settings>) {}

  apply(rec: Recorded<MarshalEvent>): void {
    this.state.apply(rec);
  }

  start(): void {
    const sub = this.ctx.nc.subscribe(this.ctx.subjects.allHeartbeats);
    void (async () => {
      for await (const m of sub) this.heartbeats.set(m.json<{ agentId: string }>().agentId, Date.now());
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
        const { candidates } = await this.ctx.bus.request(
          'plan.candidates',
          { meta: { commandId, actor: 'service:coordinator', correlationId: commandId }, minSeq: this.lastServiceAppend },
          { timeoutMs: 10_000, retries: 0 },
        );
        worked = candidates.length > 0;
        await this.workAll(candidates);
      } catch (e) {
        const code = e instanceof MarshalError ? e.code : undefined;
        if (code !== 'UNAVAILABLE' && code !== 'TIMEOUT') this.ctx.log.error({ err: e }, 'work cycle failed');
        else this.ctx.log.debug({ code }, 'plan-manager not answering yet');
      }
      if (!worked) await new Promise((r) => setTimeout(r, this.ctx.config.CYCLE_INTERVAL_MS));
    }
  }

  private async workAll(candidates: Candidate[]): Promise<void> {
    const queue = [...candidates];
    const workers = Array.from({ length: Math.min(this.ctx.config.EVALUATION_CONCURRENCY, queue.length) }, async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const candidate = c;
        await withCorrelation(candidate.stepId, () => this.work(candidate)).catch((e) =>
          this.ctx.log.error({ err: e, step: candidate.step, service: candidate.service }, 'could not work on candidate'),
        );
      }
    });
    await Promise.all(workers);
  }

  /**
   * The step's chain (issue 6): work on a step continues the correlation of the event that last changed it, and is
   * caused by it, so the audit log leads from an operator's command or a configuration to every transition it caused.
   */
  private lineage(candidate: Candidate): { correlationId: string; causationId: string | null } {
    return candidate.lineage ?? { correlationId: candidate.stepId, causationId: null };
  }

  /**
   * Reports to plan-manager. `byEvent` is the event the report is about (the reservation, the last launch, the kill):
   * it is the command's id, so plan-manager's transition names it as its cause and a retried report is the same command.
   */
  private async report(candidate: Candidate, result: CommandRequest<'plan.offer-evaluated'>['result'], byEvent?: string): Promise<void> {
    const r = await this.ctx.bus.request('plan.offer-evaluated', {
      meta: { commandId: byEvent ?? newId(), actor: 'service:coordinator', correlationId: this.lineage(candidate).correlationId },
      service: candidate.service,
      plan: candidate.plan,
      stepId: candidate.stepId,
      minSeq: this.lastServiceAppend,
      result,
    });
    this.noteAppended(r.seq, this.ctx.subjects.servicePlan(candidate.service));
  }

  private async work(candidate: Candidate): Promise<void> {
    switch (candidate.kind) {
      case 'deployment':
      case 'recovery':
        return this.place(candidate);
      case 'kill':
        return this.killStep(candidate);
      case 'unreserve':
        return this.unreserveStep(candidate);
      default:
        // erase, deregister, tls-cleanup: nothing to do outside plan-manager's own bookkeeping.
        return this.report(candidate, { kind: 'done', note: `${candidate.kind} needs no agent action` });
    }
  }

  /** Decommission `kill-<task>` (reference §3.5): ask the task's agent to kill it, then the step is done. */
  private async killStep(candidate: Candidate): Promise<void> {
    const t = [...this.state.tasks.values()].reverse().find((x) => x.service === candidate.service && x.taskName === candidate.target);
    const { correlationId, causationId } = this.lineage(candidate);
    let killed: string | undefined;
    if (t && this.state.liveTasksOn(t.agentId).some((x) => x.taskId === t.taskId)) {
      const ev = makeEvent('TaskKillRequested', serviceAggregate(candidate.service), {
        service: candidate.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, reason: `decommission by ${candidate.plan}/${candidate.step}`,
      }, this.meta(correlationId, causationId));
      const subject = this.ctx.subjects.serviceTask(candidate.service, t.agentId);
      const r = await this.ctx.store.append(subject, ev, { msgId: `${candidate.stepId}:kill:${t.taskId}` });
      this.noteAppended(r.seq, subject);
      killed = ev.id;
    }
    await this.report(candidate, { kind: 'done', note: t ? `killed ${t.taskName}` : `${candidate.target ?? 'task'} was not running` }, killed);
  }

  /** Decommission/uninstall `unreserve-<id>`: give the reservation back to its agent. */
  private async unreserveStep(candidate: Candidate): Promise<void> {
    for (const agent of this.state.ledger.agents.values()) {
      const res = candidate.target ? agent.reservations.get(candidate.target) : undefined;
      if (!res) continue;
      const ev = makeEvent('ResourcesReleased', agentAggregate(agent.agentId), {
        agentId: agent.agentId, reservationId: res.reservationId, service: candidate.service, reason: `${candidate.plan}/${candidate.step}`,
      }, this.meta(this.lineage(candidate).correlationId, this.lineage(candidate).causationId));
      const r = await this.ctx.store.append(this.ctx.subjects.agent(agent.agentId), ev, { msgId: `release:${res.reservationId}` });
      this.noteAppended(r.seq);
    }
    await this.report(candidate, { kind: 'done', note: `released ${candidate.target ?? ''}` });
  }

  private async place(candidate: Candidate): Promise<void> {
    const config = this.state.configs.get(candidate.configId);
    if (!config) throw new Error(`configuration ${candidate.configId} of ${candidate.service} is not in the log yet`);
    const pod = config.spec.pods.find((p) => p.type === candidate.podType);
    if (!pod) throw new Error(`pod type ${candidate.podType} is not in configuration ${candidate.configId}`);
    const { correlationId: correlation, causationId: cause } = this.lineage(candidate);

    // Kill phase (reference §2.6): tasks being replaced are asked to stop before the relaunch.
    for (const t of candidate.tasksToKill) {
      const ev = makeEvent('TaskKillRequested', serviceAggregate(candidate.service), {
        service: candidate.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, reason: `relaunch by ${candidate.plan}/${candidate.step}`,
      }, this.meta(correlation, cause));
      const subject = this.ctx.subjects.serviceTask(candidate.service, t.agentId);
      const r = await this.ctx.store.append(subject, ev, { msgId: `${candidate.stepId}:kill:${t.taskId}` });
      this.noteAppended(r.seq, subject);
    }

    for (let attempt = 1; attempt <= 5; attempt++) {
      const reply = await this.ctx.bus.request(
        'offer.evaluate',
        {
          meta: { commandId: newId(), actor: 'service:coordinator', correlationId: correlation },
          candidate,
          pod,
          servicePods: config.spec.pods,
          ledgerSeq: Math.max(this.state.ledger.seq, this.lastLedgerAppend),
        },
        { timeoutMs: this.ctx.config.EVALUATION_TIMEOUT_MS, retries: 1 },
      );
      if (!reply.proposal) {
        this.outcomes.set(candidate.stepId, { at: systemClock.now(), service: candidate.service, step: candidate.step, outcomes: reply.outcomes });
        const first = reply.outcomes.find((o) => !o.pass);
        const why = first ? `${first.hostname}: ${first.reasons.filter((r) => r.startsWith('FAIL')).join('; ')}` : 'no agent is registered';
        if (candidate.status !== 'PREPARED') await this.report(candidate, { kind: 'no-fit', outcome: `no agent fits: ${why}` });
        return;
      }
      this.outcomes.delete(candidate.stepId);
      const p = reply.proposal;
      const reservationId = p.existingReservationId ?? newId();
      const reserved = makeEvent('ResourcesReserved', agentAggregate(p.agentId), {
        agentId: p.agentId, reservationId, service: candidate.service, podType: candidate.podType, podIndex: candidate.podIndex,
        ...toReservation(p, pod),
      }, this.meta(correlation, cause));
      try {
        const r = await this.ctx.store.append(this.ctx.subjects.agent(p.agentId), reserved, { expectedLastSubjectSeq: p.agentSeq });
        this.noteAppended(r.seq);
      } catch (e) {
        if (e instanceof MarshalError && e.code === 'CONFLICT') {
          this.ctx.log.debug({ agentId: p.agentId, attempt }, 'agent ledger moved under the proposal: re-evaluating');
          this.noteAppended(await this.ctx.store.lastSeq(this.ctx.subjects.agent(p.agentId)));
          continue;
        }
        throw e;
      }
      await this.report(candidate, { kind: 'reserved', agentId: p.agentId, hostname: p.hostname }, reserved.id);
      await this.releaseMovedReservation(candidate, p.agentId, reservationId, correlation, reserved.id);
      const { tasks, lastEventId } = await this.launch(candidate, config, reservationId, p, correlation, reserved.id);
      await this.report(candidate, { kind: 'launched', tasks }, lastEventId);
      return;
    }
    this.ctx.log.warn({ step: candidate.step }, 'gave up after repeated commit conflicts; will retry next cycle');
  }

  /** A pod replaced elsewhere (PERMANENT recovery) gives its old reservation back. */
  private async releaseMovedReservation(candidate: Candidate, agentId: string, reservationId: string, correlation: string, cause: string): Promise<void> {
    for (const agent of this.state.ledger.agents.values()) {
      for (const res of agent.reservations.values()) {
        if (res.service !== candidate.service || res.podType !== candidate.podType || res.podIndex !== candidate.podIndex) continue;
        if (res.reservationId === reservationId && agent.agentId === agentId) continue;
        const ev = makeEvent('ResourcesReleased', agentAggregate(agent.agentId), {
          agentId: agent.agentId, reservationId: res.reservationId, service: candidate.service, reason: `${candidate.podType}-${candidate.podIndex} replaced on ${agentId}`,
        }, this.meta(correlation, cause));
        const r = await this.ctx.store.append(this.ctx.subjects.agent(agent.agentId), ev, { msgId: `release:${res.reservationId}` });
        this.noteAppended(r.seq);
      }
    }
  }

  private async launch(
    candidate: Candidate,
    config: { spec: import('@marshal/contracts').ServiceSpec; schedulerEnv: Record<string, string> },
    reservationId: string,
    proposal: import('@marshal/contracts').Proposal,
    correlation: string,
    cause: string,
  ): Promise<{ tasks: { taskId: string; taskName: string }[]; lastEventId?: string }> {
    const agent = this.state.ledger.agents.get(proposal.agentId);
    const pod = config.spec.pods.find((p) => p.type === candidate.podType);
    if (!pod) return { tasks: [] };
    const sanitized = candidate.service.replace(/^\/+|\/+$/g, '').replace(/\//g, '.');
    const tasks = buildTaskInfos({
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
    const subject = this.ctx.subjects.serviceTask(candidate.service, proposal.agentId);
    let lastEventId: string | undefined;
    for (const task of tasks) {
      const ev = makeEvent('TaskLaunched', serviceAggregate(candidate.service), {
        service: candidate.service, agentId: proposal.agentId, hostname: proposal.hostname, reservationId,
        step: { plan: candidate.plan, phaseId: candidate.phaseId, stepId: candidate.stepId, step: candidate.step },
        task,
      }, this.meta(correlation, cause));
      const r = await this.ctx.store.append(subject, ev);
      this.noteAppended(r.seq, subject);
      lastEventId = ev.id;
    }
    this.ctx.log.info({ service: candidate.service, step: candidate.step, agentId: proposal.agentId, tasks: tasks.map((t) => t.taskName) }, 'launched');
    return { tasks: tasks.map((t) => ({ taskId: t.taskId, taskName: t.taskName })), lastEventId };
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
      this.ctx.log.warn({ agentId: agent.agentId, hostname: agent.hostname }, 'agent lost');
      for (const t of this.state.liveTasksOn(agent.agentId)) {
        const ev = makeEvent('TaskStatusUpdated', serviceAggregate(t.service), {
          service: t.service, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, state: 'TASK_LOST', message: `agent ${agent.hostname} stopped reporting`,
        }, { ...this.meta(correlation, lost.id) });
        const subject = this.ctx.subjects.serviceTask(t.service, t.agentId);
        const s = await this.ctx.store.append(subject, ev);
        this.noteAppended(s.seq, subject);
      }
    }
  }
}
