import {
  makeEvent,
  minimalTaskInfo,
  podInstanceName,
  serviceAggregate,
  subjectsFor,
  taskInstanceName,
  type Candidate,
  type EventData,
  type EventType,
  type MarshalEvent,
  type Recorded,
  type ServiceSpec,
  type TaskInfo,
  type TaskState,
} from '@marshal/contracts';
import { idGenerator } from '../model/testing';
import { NO_DECISION, acceptedOrThrow, isEmpty, type DecideResult, type Decision, type DecisionContext } from './decision';
import { publishStatuses } from './publish.policy';
import { reactToEvent } from './react.policy';
import { reconcileService } from './reconcile.policy';
import type { OfferEvaluationResult, PlanCommand, PodCommand, ServiceCommand } from './service.commands';
import { decide } from './service.decider';
import { candidatesOf } from './service.queries';
import { evolveService, initialServiceState, type ServiceState } from './service-state';

/** Test harness for the service aggregate (not exported from the package). */

export const subjects = subjectsFor('unit');
export const SERVICE = 'hello-world';
export const T0 = Date.parse('2026-11-22T10:00:00.000Z');

export interface Placement {
  agentId: string;
  hostname: string;
}

/**
 * A tiny log of one service, folded the way plan-manager folds it, with plan-manager's reactions (reaction, then
 * reconcile until nothing is left, then published statuses), a coordinator that places candidates with `place`, and
 * agents reporting task statuses. Given/when/then tests drive it and read `state`, `events` and plan trees.
 */
export class Log {
  seq = 0;
  nowMs = T0;
  readonly events: Recorded<MarshalEvent>[] = [];
  state: ServiceState = initialServiceState(SERVICE);
  actor = 'operator:alice';
  private readonly ids = idGenerator('ev');
  private readonly newId = idGenerator('id');
  private readonly taskIds = idGenerator('task');
  /** Where the coordinator places a candidate; null: no agent fits. Default: every pod instance on its own agent. */
  place: (c: Candidate) => Placement | null = (c) => ({ agentId: `agent-${podInstanceName(c.podType, c.podIndex)}`, hostname: `host-${podInstanceName(c.podType, c.podIndex)}` });

  get now(): string {
    return new Date(this.nowMs).toISOString();
  }

  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }

  ctx(actor = 'service:plan-manager'): DecisionContext {
    return { now: this.now, newId: this.newId, subjects, correlationId: 'c', causationId: null, actor };
  }

  private record(subject: string, event: MarshalEvent): Recorded<MarshalEvent> {
    const rec = { seq: ++this.seq, subject, event };
    this.events.push(rec);
    this.state = evolveService(this.state, rec, subjects);
    return rec;
  }

  /** Appends a decision as plan-manager does: task facts, then plan events; then reconciles and publishes. */
  settle(first: Decision, ctx = this.ctx()): MarshalEvent[] {
    const out: MarshalEvent[] = [];
    const commit = (d: Decision) => {
      for (const t of d.tasks) {
        this.record(t.subject, t.event);
        out.push(t.event);
        // Task facts plan-manager wrote come back through the log like any other.
        this.commitReaction(this.events[this.events.length - 1], out);
      }
      for (const e of d.plan) {
        this.record(subjects.servicePlan(SERVICE), e);
        out.push(e);
      }
    };
    commit(first);
    for (let round = 0; round < 10; round++) {
      const fix = reconcileService(this.state, ctx);
      if (isEmpty(fix)) break;
      commit(fix);
    }
    for (const e of publishStatuses(this.state, ctx)) {
      this.record(subjects.servicePlan(SERVICE), e);
      out.push(e);
    }
    return out;
  }

  private commitReaction(rec: Recorded<MarshalEvent>, out: MarshalEvent[]): void {
    const d = reactToEvent(this.state, rec, this.ctx());
    for (const e of d.plan) {
      this.record(subjects.servicePlan(SERVICE), e);
      out.push(e);
    }
  }

  /** Another writer's event, then plan-manager's reaction. */
  external<T extends EventType>(subject: string, type: T, data: EventData<T>): MarshalEvent[] {
    const event = makeEvent(type, serviceAggregate(SERVICE), data, { id: this.ids(), at: this.now, correlationId: 'c', causationId: null, actor: 'test' }) as MarshalEvent;
    const rec = this.record(subject, event);
    return this.settle(reactToEvent(this.state, rec, this.ctx()));
  }

  /** A tick: time-based rules only. */
  tick(): MarshalEvent[] {
    return this.settle({ plan: [], tasks: [] });
  }

  accept(spec: ServiceSpec, configId: string, opts: { previous?: string | null; changedPods?: string[]; env?: Record<string, string> } = {}): MarshalEvent[] {
    return this.external(subjects.serviceConfig(SERVICE), 'ConfigurationAccepted', {
      service: SERVICE,
      configId,
      previousConfigId: opts.previous ?? null,
      spec,
      options: {},
      package: { name: 'p', version: '1', files: {} },
      schedulerEnv: opts.env ?? {},
      warnings: [],
      diff: '',
      changedPods: opts.changedPods ?? [],
    });
  }

  reject(errors: { path: string; message: string }[]): MarshalEvent[] {
    return this.external(subjects.serviceConfig(SERVICE), 'ConfigurationRejected', { service: SERVICE, errors, warnings: [] });
  }

  revalidate(configId: string): MarshalEvent[] {
    return this.external(subjects.serviceConfig(SERVICE), 'ConfigurationRevalidated', { service: SERVICE, configId });
  }

  report(plan: string, stepId: string, result: OfferEvaluationResult): MarshalEvent[] {
    const ctx = this.ctx('service:coordinator');
    return this.settle(acceptedOrThrow(decide(this.state, { type: 'ReportOfferEvaluation', plan, stepId, result }, ctx)).decision);
  }

  /** An operator's command, decided as plan-manager does: a rejection appends nothing. */
  command(command: ServiceCommand): { events: MarshalEvent[]; code: string; message: string; tasks: string[] } {
    const ctx = this.ctx(this.actor);
    const result: DecideResult = decide(this.state, command, ctx);
    if (!result.ok) return { events: [], code: result.code, message: result.message, tasks: [] };
    return { events: this.settle(result.decision, ctx), code: 'OK', message: result.message, tasks: result.tasks };
  }

  plan(cmd: PlanCommand): { events: MarshalEvent[]; code: string; message: string } {
    const { tasks: _tasks, ...out } = this.command({ type: 'ApplyPlanCommand', command: cmd });
    return out;
  }

  pod(cmd: PodCommand): { events: MarshalEvent[]; code: string; message: string; tasks: string[] } {
    return this.command({ type: 'ApplyPodCommand', command: cmd });
  }

  uninstall(): { events: MarshalEvent[]; code: string } {
    const { events, code } = this.command({ type: 'UninstallService' });
    return { events: code === 'OK' ? events : this.settle(NO_DECISION), code };
  }

  candidates(): Candidate[] {
    return candidatesOf(this.state, this.now);
  }

  private taskInfo(c: Candidate, taskSpecName: string): TaskInfo {
    const config = this.state.configs[c.configId];
    const spec = config.spec.pods.find((p) => p.type === c.podType)?.tasks.find((t) => t.name === taskSpecName);
    const taskName = taskInstanceName(c.podType, c.podIndex, taskSpecName);
    const paused = c.paused?.includes(taskSpecName);
    return minimalTaskInfo({
      taskId: `${taskName}__${this.taskIds()}`,
      taskName,
      taskSpecName,
      service: SERVICE,
      podType: c.podType,
      podIndex: c.podIndex,
      configId: c.configId,
      goal: spec?.goal ?? 'RUNNING',
      essential: spec?.essential ?? true,
      cmd: paused ? 'pause' : (spec?.cmd ?? 'x'),
      env: { ...c.environment },
      ...(paused ? { readinessCheck: { cmd: 'exit 1', interval: 5, timeout: 5, delay: 0 } } : spec?.readinessCheck ? { readinessCheck: spec.readinessCheck } : {}),
    });
  }

  /** The coordinator's cycle: every candidate placed (or reported not fitting), every teardown step carried out. */
  cycle(): Candidate[] {
    const worked = this.candidates();
    for (const c of worked) {
      if (c.kind !== 'deployment' && c.kind !== 'recovery') {
        if (c.kind === 'kill') {
          const t = Object.values(this.state.tasks).find((x) => x.taskName === c.target || x.taskId === c.target);
          if (t) this.external(subjects.serviceTask(SERVICE, t.agentId), 'TaskKillRequested', { service: SERVICE, agentId: t.agentId, taskId: t.taskId, taskName: t.taskName, reason: c.step });
        }
        this.report(c.plan, c.stepId, { kind: 'done', note: `${c.kind} done` });
        continue;
      }
      const where = this.place(c);
      if (!where) {
        if (c.status !== 'PREPARED') this.report(c.plan, c.stepId, { kind: 'no-fit', outcome: 'no agent fits: insufficient cpus' });
        continue;
      }
      for (const k of c.tasksToKill) {
        this.external(subjects.serviceTask(SERVICE, k.agentId), 'TaskKillRequested', { service: SERVICE, agentId: k.agentId, taskId: k.taskId, taskName: k.taskName, reason: `relaunch by ${c.step}` });
      }
      this.report(c.plan, c.stepId, { kind: 'reserved', agentId: where.agentId, hostname: where.hostname });
      const launched = c.tasks.map((t) => {
        const task = this.taskInfo(c, t);
        this.external(subjects.serviceTask(SERVICE, where.agentId), 'TaskLaunched', {
          service: SERVICE,
          agentId: where.agentId,
          hostname: where.hostname,
          reservationId: `res-${podInstanceName(c.podType, c.podIndex)}-${where.agentId}`,
          step: { plan: c.plan, phaseId: c.phaseId, stepId: c.stepId, step: c.step },
          task,
        });
        return { taskId: task.taskId, taskName: task.taskName };
      });
      this.report(c.plan, c.stepId, { kind: 'launched', tasks: launched });
    }
    return worked;
  }

  /** The agent running `taskName` reports a state for its current task id. */
  status(taskName: string, state: TaskState, extra: { readiness?: { passed: boolean; exitCode?: number }; message?: string } = {}): MarshalEvent[] {
    const t = this.state.tasks[taskName];
    if (!t) throw new Error(`no task ${taskName}`);
    return this.external(subjects.serviceTask(SERVICE, t.agentId), 'TaskStatusUpdated', {
      service: SERVICE,
      agentId: t.agentId,
      taskId: t.taskId,
      taskName,
      state,
      message: extra.message ?? '',
      ...(extra.readiness ? { readiness: extra.readiness } : {}),
    });
  }

  /** Runs every launched, not yet running task: STARTING then RUNNING (ready when it has a readiness check). */
  runAll(): void {
    for (const t of Object.values(this.state.tasks)) {
      if (t.lastState === undefined || t.lastState === 'TASK_STARTING') {
        if (t.goal === 'RUNNING') this.status(t.taskName, 'TASK_RUNNING', t.hasReadinessCheck ? { readiness: { passed: true, exitCode: 0 } } : {});
        else this.status(t.taskName, 'TASK_FINISHED');
      }
    }
  }

  /** Cycles and runs tasks until no candidate is left (at most `rounds` times). */
  converge(rounds = 20): void {
    for (let i = 0; i < rounds; i++) {
      const worked = this.cycle();
      this.runAll();
      // Kills requested by the cycle or a command end the tasks.
      for (const t of Object.values(this.state.tasks)) if (t.killRequested && t.lastState && !['TASK_KILLED', 'TASK_FAILED', 'TASK_FINISHED'].includes(t.lastState)) this.status(t.taskName, 'TASK_KILLED');
      if (worked.length === 0 && this.candidates().length === 0) return;
    }
  }

  /** Kills that were requested end their tasks with TASK_KILLED, as agents do. */
  killRequested(): void {
    for (const t of Object.values(this.state.tasks)) if (t.killRequested && t.lastState !== 'TASK_KILLED') this.status(t.taskName, 'TASK_KILLED');
  }

  /** What the API shows: `plan`, its phases and steps as `name=STATUS`. */
  tree(plan: string): { status: string; errors: string[]; phases: string[]; steps: string[] } {
    const view = this.state.published[plan];
    const model = this.state.plans.find((p) => p.name === plan);
    if (!view || !model) throw new Error(`no plan ${plan}`);
    return {
      status: view.status,
      errors: view.errors,
      phases: model.phases.map((p) => `${p.name}=${view.phases[p.id]}`),
      steps: model.phases.flatMap((p) => p.steps.map((s) => `${s.name}=${view.steps[s.id]}`)),
    };
  }

  planNames(): string[] {
    return this.state.plans.map((p) => p.name);
  }

  /** The state a fresh plan-manager rebuilds by replaying the log. */
  replay(): ServiceState {
    return this.events.reduce((s, rec) => evolveService(s, rec, subjects), initialServiceState(SERVICE));
  }

  ofType<T extends EventType>(events: MarshalEvent[], type: T): Extract<MarshalEvent, { type: T }>[] {
    return events.filter((e): e is Extract<MarshalEvent, { type: T }> => e.type === type);
  }
}

export const transitions = (events: MarshalEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'StepStatusChanged' ? [`${e.data.plan}/${e.data.step}: ${e.data.from} → ${e.data.to}`] : []));
