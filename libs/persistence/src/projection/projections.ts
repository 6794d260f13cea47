import type { EntityManager } from 'typeorm';
import type { EventData, EventOf, EventType, Recorded } from '@marshal/contracts';
import { AgentRow, ConfigurationRow, PhaseRow, PlanRow, ReservationRow, ServiceRow, StepRow, TaskRow } from '../entities/read-models';
import type { RowChanges } from './row-changes';

/**
 * How one event type changes the read models, as row changes (no I/O): the SQL engine batches them into multi-row
 * upserts, time travel folds them in memory. Adding an event type to the read models means adding an entry here.
 */
export type Projection<T extends EventType> = (rec: Recorded<EventOf<T>>, rows: RowChanges) => void;
export type Projections = { [T in EventType]?: Projection<T> };

/**
 * Escape hatch for a change that cannot be said as row changes: SQL run in the projection's transaction, with the
 * search path set to the generation being written (so unqualified table names work). Each one splits its batch and
 * is skipped by time travel; prefer PROJECTIONS.
 */
export type SqlProjection<T extends EventType> = (m: EntityManager, rec: Recorded<EventOf<T>>) => Promise<void>;
export type SqlProjections = { [T in EventType]?: SqlProjection<T> };

/** Sets tasks' goal-state override; NONE with progress COMPLETE is no override (reference §1.6.4). */
function setOverrides(rows: RowChanges, service: string, tasks: string[], target: string, progress: string): void {
  const inactive = target === 'NONE' && progress === 'COMPLETE';
  for (const taskName of tasks) {
    rows.update(TaskRow, { service, taskName }, (t) => ({ ...t, overrideTarget: inactive ? null : target, overrideProgress: inactive ? null : progress }));
  }
}

/** A reservation committed on an agent, alone or in a batch: the row keeps where it was first placed. */
/** The phase and step statuses a plan published (PlanStatusChanged, PlanProgressed). */
function publishedProgress(at: string, d: EventData<'PlanProgressed'>, rows: RowChanges): void {
  for (const ph of d.phases) {
    rows.update(PhaseRow, { id: ph.id }, (p) => ({
      ...p,
      status: ph.status,
      startedAt: ph.status === 'PENDING' || ph.status === 'WAITING' ? p.startedAt : (p.startedAt ?? at),
      completedAt: ph.status === 'COMPLETE' ? (p.completedAt ?? at) : null,
    }));
  }
  for (const st of d.steps) rows.update(StepRow, { id: st.id }, (s) => ({ ...s, status: st.status }));
}

function reserve(
  rows: RowChanges,
  agentId: string,
  d: Pick<EventData<'ResourcesReserved'>, 'reservationId' | 'service' | 'podType' | 'podIndex' | 'resources' | 'ports' | 'volumes'>,
): void {
  rows.upsert(ReservationRow, { reservationId: d.reservationId }, (r) => ({
    reservationId: d.reservationId,
    agentId: r?.agentId ?? agentId,
    service: r?.service ?? d.service,
    podType: r?.podType ?? d.podType,
    podIndex: r?.podIndex ?? d.podIndex,
    resources: d.resources,
    ports: d.ports,
    volumes: d.volumes,
  }));
}

export const PROJECTIONS: Projections = {
  ConfigurationAccepted({ seq, event }, rows) {
    const d = event.data;
    // An install (no previous configuration) replaces the kept record of an uninstalled service of that name: its final
    // plans must not answer for the new one (a client waiting on the install would read the old uninstall plan, COMPLETE).
    if (d.previousConfigId === null) {
      rows.deleteWhere(StepRow, { service: d.service });
      rows.deleteWhere(PhaseRow, { service: d.service });
      rows.deleteWhere(PlanRow, { service: d.service });
    }
    rows.upsert(ServiceRow, { name: d.service }, (s) => ({
      name: d.service,
      configId: d.configId,
      packageName: d.package.name,
      packageVersion: d.package.version,
      options: d.options,
      lastErrors: [],
      // A reinstall under the name of an uninstalled service starts a new record.
      createdAt: s && !s.removedAt ? s.createdAt : event.at,
      updatedAt: event.at,
      removedAt: null,
    }));
    rows.insert(ConfigurationRow, {
      id: d.configId,
      service: d.service,
      seq,
      acceptedAt: event.at,
      spec: d.spec,
      options: d.options,
      schedulerEnv: d.schedulerEnv,
      diff: d.diff,
    });
  },

  ConfigurationRejected({ event }, rows) {
    const d = event.data;
    rows.update(ServiceRow, { name: d.service }, (s) => ({ ...s, lastErrors: d.errors, updatedAt: event.at }));
  },

  ConfigurationRevalidated({ event }, rows) {
    const d = event.data;
    rows.update(ServiceRow, { name: d.service }, (s) => ({ ...s, lastErrors: [], updatedAt: event.at }));
  },

  PlanGenerated({ event }, rows) {
    const { service, configId, order, plan } = event.data;
    rows.put(PlanRow, {
      service,
      name: plan.name,
      position: order,
      strategy: plan.strategy,
      status: plan.status,
      errors: plan.errors,
      configId,
      updatedAt: event.at,
    });
    rows.deleteWhere(StepRow, { service, plan: plan.name });
    rows.deleteWhere(PhaseRow, { service, plan: plan.name });
    for (const [pi, phase] of plan.phases.entries()) {
      rows.put(PhaseRow, {
        id: phase.id,
        service,
        plan: plan.name,
        position: pi,
        name: phase.name,
        strategy: phase.strategy,
        status: phase.status,
        startedAt: null,
        completedAt: null,
      });
      for (const [si, step] of phase.steps.entries()) {
        rows.put(StepRow, {
          id: step.id,
          service,
          plan: plan.name,
          phaseId: phase.id,
          position: si,
          name: step.name,
          status: step.status,
          message: '',
          errors: step.errors,
          startedAt: null,
          completedAt: null,
        });
      }
    }
  },

  StepStatusChanged({ event }, rows) {
    const d = event.data;
    rows.update(StepRow, { id: d.stepId }, (s) => ({
      ...s,
      message: d.reason,
      startedAt: d.to === 'PENDING' ? null : (s.startedAt ?? event.at),
      completedAt: d.to === 'COMPLETE' ? event.at : null,
    }));
  },

  PlanStatusChanged({ event }, rows) {
    const d = event.data;
    rows.update(PlanRow, { service: d.service, name: d.plan }, (p) => ({ ...p, status: d.status, errors: d.errors, updatedAt: event.at }));
    publishedProgress(event.at, d, rows);
  },

  PlanProgressed({ event }, rows) {
    const d = event.data;
    rows.update(PlanRow, { service: d.service, name: d.plan }, (p) => ({ ...p, updatedAt: event.at }));
    publishedProgress(event.at, d, rows);
  },

  RecoveryPlanChanged({ event }, rows) {
    const d = event.data;
    for (const phaseId of d.removedPhases) {
      rows.deleteWhere(StepRow, { service: d.service, phaseId });
      rows.delete(PhaseRow, { id: phaseId });
    }
    // Added phases go after the recovery plan's last one.
    rows.within(PhaseRow, { service: d.service, plan: 'recovery' }, (phases, out) => {
      let position = Math.max(-1, ...phases.map((p) => p.position)) + 1;
      for (const phase of d.addedTree) {
        out.put(PhaseRow, {
          id: phase.id,
          service: d.service,
          plan: 'recovery',
          position: position++,
          name: phase.name,
          strategy: phase.strategy,
          status: phase.status,
          startedAt: null,
          completedAt: null,
        });
        for (const [si, step] of phase.steps.entries()) {
          out.put(StepRow, {
            id: step.id,
            service: d.service,
            plan: 'recovery',
            phaseId: phase.id,
            position: si,
            name: step.name,
            status: step.status,
            message: '',
            errors: step.errors,
            startedAt: null,
            completedAt: null,
          });
        }
      }
    });
  },

  PlanRemoved({ event }, rows) {
    const { service, plan } = event.data;
    rows.deleteWhere(StepRow, { service, plan });
    rows.deleteWhere(PhaseRow, { service, plan });
    rows.delete(PlanRow, { service, name: plan });
  },

  /**
   * The uninstall completed: tasks, reservations and configurations go; the service row (marked removed) and its final
   * plans — the uninstall plan named deploy — stay, read-only, so a client polling it sees it COMPLETE (reference
   * §3.6). A reinstall's plans replace them.
   */
  ServiceRemoved({ event }, rows) {
    const { service } = event.data;
    rows.deleteWhere(TaskRow, { service });
    rows.deleteWhere(ReservationRow, { service });
    rows.deleteWhere(ConfigurationRow, { service });
    rows.update(ServiceRow, { name: service }, (s) => ({ ...s, removedAt: event.at, updatedAt: event.at }));
  },

  PodPauseRequested({ event }, rows) {
    setOverrides(rows, event.data.service, event.data.tasks, 'PAUSED', 'PENDING');
  },

  PodResumeRequested({ event }, rows) {
    setOverrides(rows, event.data.service, event.data.tasks, 'NONE', 'PENDING');
  },

  GoalOverridesChanged({ event }, rows) {
    for (const o of event.data.overrides) setOverrides(rows, event.data.service, [o.taskName], o.target, o.progress);
  },

  TaskErased({ event }, rows) {
    const d = event.data;
    // Only the launch it names: a later launch of the same task name stays.
    rows.update(TaskRow, { service: d.service, taskName: d.taskName }, (t) => (t.taskId === d.taskId ? undefined : t));
  },

  TaskLaunched({ event }, rows) {
    const { service, agentId, hostname, task } = event.data;
    // A relaunch keeps the task's goal-state override: the override belongs to the task name (reference §1.6.4).
    rows.upsert(TaskRow, { service, taskName: task.taskName }, (t) => ({
      service,
      taskName: task.taskName,
      taskId: task.taskId,
      podType: task.podType,
      podIndex: task.podIndex,
      agentId,
      hostname,
      configId: task.configId,
      taskInfo: task,
      state: null,
      message: '',
      status: null,
      overrideTarget: t?.overrideTarget ?? null,
      overrideProgress: t?.overrideProgress ?? null,
      launchedAt: event.at,
      updatedAt: event.at,
    }));
  },

  TaskStatusUpdated({ event }, rows) {
    const d = event.data;
    const status = { readiness: d.readiness ?? null, healthy: d.healthy ?? null, exitCode: d.exitCode ?? null };
    // A status of an earlier launch of the same task name changes nothing.
    rows.update(TaskRow, { service: d.service, taskName: d.taskName }, (t) =>
      t.taskId === d.taskId ? { ...t, state: d.state, message: d.message, status, updatedAt: event.at } : t,
    );
  },

  AgentRegistered({ event }, rows) {
    const d = event.data;
    rows.upsert(AgentRow, { agentId: d.agentId }, (a) => ({
      agentId: d.agentId,
      hostname: d.hostname,
      attributes: d.attributes,
      zone: d.zone ?? null,
      region: d.region ?? null,
      resources: d.resources,
      lost: false,
      lostReason: null,
      registeredAt: a?.registeredAt ?? event.at,
      updatedAt: event.at,
    }));
  },

  AgentLost({ event }, rows) {
    rows.update(AgentRow, { agentId: event.data.agentId }, (a) => ({ ...a, lost: true, lostReason: event.data.reason, updatedAt: event.at }));
  },

  ResourcesReserved({ event }, rows) {
    reserve(rows, event.data.agentId, event.data);
  },

  ResourcesReservedBatch({ event }, rows) {
    for (const d of event.data.reservations) reserve(rows, event.data.agentId, d);
  },

  ResourcesReleased({ event }, rows) {
    rows.delete(ReservationRow, { reservationId: event.data.reservationId });
  },
};

export const SQL_PROJECTIONS: SqlProjections = {};
