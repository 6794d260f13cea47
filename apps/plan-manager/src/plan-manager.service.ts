import { Inject, Injectable } from '@nestjs/common';
import { type Candidate, type CommandReply, type CommandRequest, type MarshalEvent, type Recorded } from '@marshal/contracts';
import {
  DEFAULT_PLAN_LIMITS,
  NO_DECISION,
  acceptedOrThrow,
  candidatesOf,
  decide,
  evolveService,
  initialServiceState,
  isEmpty,
  oversizedEvent,
  publishStatuses,
  reactToEvent,
  reconcileService,
  type Decision,
  type DecisionContext,
  type PlanLimits,
  type ServiceCommand,
  type ServiceState,
} from '@marshal/plan';
import { SequenceGate, SuspectServices } from '@marshal/messaging';
import { SERVICE_CONTEXT, newId, systemClock, withCorrelation, type ServiceContext } from '@marshal/runtime';

/**
 * Owns the plans of every service as event-sourced aggregates (DESIGN.md): folds each service's history
 * `<ns>.evt.svc.<service>.>` in log order, is the single writer of `<ns>.evt.svc.<service>.plan`, and turns
 * configurations, task statuses, coordinator reports and operator commands into plan events. Its own events are
 * applied at once and skipped when the log delivers them back; the subjects' separate parts of the state make that
 * equal to a replay. Everything runs one at a time.
 */
/** A reconcile that keeps finding fixes is a bug; stop rather than spin. */
const MAX_RECONCILE_ROUNDS = 10;

@Injectable()
export class PlanManagerService {
  private readonly services = new Map<string, ServiceState>();
  private readonly ownEvents = new Set<string>();
  private folded = 0;
  private caughtUp = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly gate = new SequenceGate('plan-manager');
  private ticker?: NodeJS.Timeout;
  /**
   * Services with an event parked by this consumer: their state is known incomplete, so their events are still folded
   * but nothing is decided for them (no reactions, ticks, candidates or commands) until the event is applied.
   */
  readonly suspects: SuspectServices;

  constructor(
    @Inject(SERVICE_CONTEXT)
    private readonly ctx: ServiceContext<{ TICK_MS: number; FOLD_WAIT_MS: number; MAX_PODS_PER_SERVICE?: number; MAX_STEPS_PER_PLAN?: number; MAX_EVENT_BYTES?: number }>,
  ) {
    this.suspects = new SuspectServices(ctx.subjects);
  }

  /** Bounds of plans (settings), events never larger than one message of this NATS server. */
  private limits(): PlanLimits {
    const c = this.ctx.config;
    const serverMax = (this.ctx.nc.info?.max_payload ?? 1024 * 1024) - 4 * 1024;
    return {
      maxPodsPerService: c.MAX_PODS_PER_SERVICE ?? DEFAULT_PLAN_LIMITS.maxPodsPerService,
      maxStepsPerPlan: c.MAX_STEPS_PER_PLAN ?? DEFAULT_PLAN_LIMITS.maxStepsPerPlan,
      maxEventBytes: Math.min(c.MAX_EVENT_BYTES ?? DEFAULT_PLAN_LIMITS.maxEventBytes, serverMax),
    };
  }

  /** Throws the suspect error of a service nothing may be decided for now. */
  private assertNotSuspect(service: string): void {
    if (this.suspects.has(service)) throw this.suspects.error(service, 'plan-manager');
  }

  get position(): number {
    return this.folded;
  }

  state(service: string): ServiceState | undefined {
    return this.services.get(service);
  }

  /** Runs `fn` after everything queued before it: one decision at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    // The caller gets the failure from `run`; the queue only waits for it to settle.
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private context(correlationId: string, causationId: string | null, actor = 'service:plan-manager'): DecisionContext {
    return { now: systemClock.now(), newId, subjects: this.ctx.subjects, correlationId, causationId, actor, limits: this.limits() };
  }

  private serviceOf(rec: Recorded<MarshalEvent>): string | undefined {
    const p = this.ctx.subjects.parse(rec.subject);
    return p?.kind === 'service' ? p.service : undefined;
  }

  private fold(service: string, rec: Recorded<MarshalEvent>): ServiceState {
    const next = evolveService(this.services.get(service) ?? initialServiceState(service), rec, this.ctx.subjects);
    this.services.set(service, next);
    return next;
  }

  private advance(seq: number): void {
    this.folded = Math.max(this.folded, seq);
    this.gate.advance(this.folded);
  }

  /** Resolves once the log is folded up to `seq`, or fails with TIMEOUT. */
  private async reach(seq: number): Promise<void> {
    await this.gate.reach(seq, this.ctx.config.FOLD_WAIT_MS, 'throw');
  }

  /**
   * Appends plan events in order (each guarded by the previous sequence) and applies them at once. An event over
   * MAX_EVENT_BYTES is refused before anything is appended: the command fails with the sizes, the state is unchanged.
   */
  private async commit(service: string, events: MarshalEvent[]): Promise<number> {
    if (events.length === 0) return this.folded;
    const oversized = oversizedEvent(events, this.limits());
    if (oversized) throw oversized;
    const state = this.services.get(service) ?? initialServiceState(service);
    const subject = this.ctx.subjects.servicePlan(service);
    const results = await this.ctx.store.appendChain(subject, events, state.planSeq);
    let s = state;
    results.forEach((r, i) => {
      this.ownEvents.add(events[i].id);
      s = evolveService(s, { seq: r.seq, subject, event: events[i] }, this.ctx.subjects);
    });
    this.services.set(service, s);
    return results[results.length - 1].seq;
  }

  /**
   * Appends a decision: task facts first (kills, erasures; folded when the log delivers them), then the plan events.
   * A crash in between leaves at worst a kill without its plan event, which the operator's retry or recovery covers.
   */
  private async commitDecision(service: string, decision: Decision): Promise<number> {
    const oversized = oversizedEvent([...decision.tasks.map((t) => t.event), ...decision.plan], this.limits());
    if (oversized) throw oversized;
    let seq = this.folded;
    for (const t of decision.tasks) seq = Math.max(seq, (await this.ctx.store.append(t.subject, t.event)).seq);
    return Math.max(seq, await this.commit(service, decision.plan));
  }

  private current(service: string): ServiceState {
    return this.services.get(service) ?? initialServiceState(service);
  }

  /**
   * Appends `first`, then the level-triggered fixes it calls for (reconcileService, until none is left), then the
   * derived statuses that changed. Returns the last sequence appended.
   */
  private async settle(service: string, first: Decision, ctx: DecisionContext): Promise<number> {
    let seq = await this.commitDecision(service, first);
    for (let round = 0; round < MAX_RECONCILE_ROUNDS; round++) {
      const fix = reconcileService(this.current(service), ctx);
      if (isEmpty(fix)) break;
      seq = Math.max(seq, await this.commitDecision(service, fix));
    }
    return Math.max(seq, await this.commit(service, publishStatuses(this.current(service), ctx)));
  }

  /** Decides on the current state, then settles. */
  private async decide(service: string, decide: (s: ServiceState) => Decision, ctx: DecisionContext): Promise<number> {
    return this.settle(service, decide(this.current(service)), ctx);
  }

  onEvent(rec: Recorded<MarshalEvent>, pending: number): Promise<void> {
    return this.serial(async () => {
      const service = this.serviceOf(rec);
      if (service) {
        if (this.ownEvents.delete(rec.event.id)) {
          // Applied when appended.
        } else {
          this.fold(service, rec);
          if (this.caughtUp && !this.suspects.has(service)) {
            const ctx = this.context(rec.event.correlationId, rec.event.id);
            await withCorrelation(rec.event.correlationId, () => this.decide(service, (s) => reactToEvent(s, rec, ctx), ctx));
          }
        }
      }
      this.advance(rec.seq);
      if (!this.caughtUp && pending === 0) await this.catchUp();
    });
  }

  /**
   * After replaying the log: finish what a crash may have interrupted — plans for a configuration accepted but not yet
   * planned, statuses not yet published — then react to events live.
   */
  private async catchUp(): Promise<void> {
    this.caughtUp = true;
    for (const service of this.services.keys()) {
      if (this.suspects.has(service)) continue;
      const ctx = this.context(`recover:${service}`, null);
      await this.decide(service, () => NO_DECISION, ctx);
    }
    this.ctx.log.info({ services: this.services.size, seq: this.folded }, 'plan-manager caught up with the log');
  }

  /** The transport reported the log empty or fully delivered before any event arrived. */
  markCaughtUp(): Promise<void> {
    return this.serial(async () => {
      if (!this.caughtUp) await this.catchUp();
    });
  }

  startTicking(): void {
    this.ticker = setInterval(() => {
      void this.serial(async () => {
        for (const service of this.services.keys()) {
          if (this.suspects.has(service)) continue;
          const ctx = this.context(`tick:${service}`, null);
          await this.settle(service, this.command(service, { type: 'Tick' }, ctx).decision, ctx);
        }
      }).catch((e) => this.ctx.log.error({ err: e }, 'tick failed'));
    }, this.ctx.config.TICK_MS);
  }

  stopTicking(): void {
    if (this.ticker) clearInterval(this.ticker);
  }

  async candidates(req: CommandRequest<'plan.candidates'>): Promise<CommandReply<'plan.candidates'>> {
    await this.reach(req.minSeq);
    return this.serial(async () => {
      const now = systemClock.now();
      const candidates: Candidate[] = [];
      for (const state of this.services.values()) if (!this.suspects.has(state.service)) candidates.push(...candidatesOf(state, now));
      return { candidates, seq: this.folded };
    });
  }

  async offerEvaluated(req: CommandRequest<'plan.offer-evaluated'>): Promise<CommandReply<'plan.offer-evaluated'>> {
    await this.reach(req.minSeq);
    return this.serial(() =>
      withCorrelation(req.meta.correlationId, async () => {
        const ctx = this.context(req.meta.correlationId, req.meta.commandId, req.meta.actor);
        const { decision } = this.command(req.service, { type: 'ReportOfferEvaluation', plan: req.plan, stepId: req.stepId, result: req.result }, ctx);
        return { seq: await this.settle(req.service, decision, ctx) };
      }),
    );
  }

  /** Decides a command on the service's current state; a rejection throws its MarshalError and appends nothing. */
  private command(service: string, command: ServiceCommand, ctx: DecisionContext): ReturnType<typeof acceptedOrThrow> {
    this.assertNotSuspect(service);
    return acceptedOrThrow(decide(this.current(service), command, ctx));
  }

  async planCommand(req: CommandRequest<'plan.command'>): Promise<CommandReply<'plan.command'>> {
    return this.serial(() =>
      withCorrelation(req.meta.correlationId, async () => {
        const ctx = this.context(req.meta.correlationId, req.meta.commandId, req.meta.actor);
        const { decision, message } = this.command(
          req.service,
          {
            type: 'ApplyPlanCommand',
            command: { plan: req.plan, action: req.action, ...(req.phase ? { phase: req.phase } : {}), ...(req.step ? { step: req.step } : {}), ...(req.parameters ? { parameters: req.parameters } : {}) },
          },
          ctx,
        );
        const seq = await this.settle(req.service, decision, ctx);
        this.ctx.log.info({ service: req.service, plan: req.plan, action: req.action, phase: req.phase, step: req.step, actor: req.meta.actor }, message);
        return { message, seq };
      }),
    );
  }

  async podCommand(req: CommandRequest<'pod.command'>): Promise<CommandReply<'pod.command'>> {
    return this.serial(() =>
      withCorrelation(req.meta.correlationId, async () => {
        const ctx = this.context(req.meta.correlationId, req.meta.commandId, req.meta.actor);
        const { decision, tasks } = this.command(req.service, { type: 'ApplyPodCommand', command: { pod: req.pod, action: req.action, ...(req.tasks ? { tasks: req.tasks } : {}) } }, ctx);
        const seq = await this.settle(req.service, decision, ctx);
        this.ctx.log.info({ service: req.service, pod: req.pod, action: req.action, tasks, actor: req.meta.actor }, 'pod command');
        return { pod: req.pod, tasks, seq };
      }),
    );
  }

  async uninstall(req: CommandRequest<'service.uninstall'>): Promise<CommandReply<'service.uninstall'>> {
    return this.serial(() =>
      withCorrelation(req.meta.correlationId, async () => {
        const ctx = this.context(req.meta.correlationId, req.meta.commandId, req.meta.actor);
        const { decision, message } = this.command(req.service, { type: 'UninstallService' }, ctx);
        const seq = await this.settle(req.service, decision, ctx);
        this.ctx.log.info({ service: req.service, actor: req.meta.actor }, message);
        return { service: req.service, seq };
      }),
    );
  }
}
