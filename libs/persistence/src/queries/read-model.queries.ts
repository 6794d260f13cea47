import type { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_PROJECTION, readCheckpoint } from '../projection/projector';
import { listGenerations, type GenerationProgress } from '../schema/generations';

// The JSON of `GET /v1/plans/{plan}`, `GET /v1/services` and `GET /v1/agents` is declared once, with the routes the CLI
// calls (`@marshal/contracts` http).
import type { AgentBody as AgentView, AgentReservationBody, AgentResources, PlanBody as PlanJson, ServiceSummary } from '@marshal/contracts';
export type { AgentView, PlanJson, ServiceSummary };

/** A time as PostgreSQL returns it (Date) or as projections hold it (ISO-8601 string). */
type Time = Date | string | null;

export interface PlanRows {
  plan: { strategy: string; status: string; errors: string[] };
  /** In position order. */
  phases: { id: string; name: string; strategy: string; status: string; startedAt: Time; completedAt: Time }[];
  /** In position order. */
  steps: { id: string; phaseId: string; name: string; status: string; message: string; errors: string[]; startedAt: Time; completedAt: Time }[];
}

const iso = (t: Time): string | null => (t === null ? null : new Date(t).toISOString());

/**
 * The JSON of a plan from its rows — shared by the read from PostgreSQL and time travel's fold in memory, so a plan
 * shows the same either way. Step errors surface in the plan's errors (reference §6.2).
 */
export function planJson({ plan, phases, steps }: PlanRows): PlanJson {
  const stepErrors = steps.flatMap((s) => s.errors);
  return {
    phases: phases.map((p) => ({
      id: p.id,
      name: p.name,
      steps: steps
        .filter((s) => s.phaseId === p.id)
        .map((s) => ({ id: s.id, status: s.status, name: s.name, message: s.message, startedAt: iso(s.startedAt), completedAt: iso(s.completedAt) })),
      strategy: p.strategy,
      status: p.status,
      startedAt: iso(p.startedAt),
      completedAt: iso(p.completedAt),
    })),
    errors: [...plan.errors, ...stepErrors.filter((e) => !plan.errors.includes(e))],
    status: plan.status,
    strategy: plan.strategy,
  };
}

/** Read-side queries the gateway serves; each is one or two indexed SELECTs. */
export class ReadModelQueries {
  constructor(private readonly ds: DataSource) {}

  checkpoint(name = DEFAULT_PROJECTION): Promise<number> {
    return readCheckpoint(this.ds, name);
  }

  async services(): Promise<ServiceSummary[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT s.name, s.config_id, s.package_name, s.package_version, s.last_errors, p.status AS deploy_status
         FROM services s LEFT JOIN plans p ON p.service = s.name AND p.name = 'deploy' WHERE s.removed_at IS NULL ORDER BY s.name`,
    );
    return rows.map((r) => ({
      name: r['name'] as string,
      configId: r['config_id'] as string | null,
      packageName: r['package_name'] as string | null,
      packageVersion: r['package_version'] as string | null,
      lastErrors: r['last_errors'] as { path: string; message: string }[],
      deployStatus: (r['deploy_status'] as string | null) ?? null,
    }));
  }

  /** Uninstalled services whose record is kept (their final plans), with when the uninstall completed. */
  async removedServices(): Promise<{ name: string; removedAt: string }[]> {
    const rows: { name: string; removed_at: Date }[] = await this.ds.query(`SELECT name, removed_at FROM services WHERE removed_at IS NOT NULL ORDER BY name`);
    return rows.map((r) => ({ name: r.name, removedAt: new Date(r.removed_at).toISOString() }));
  }

  async service(name: string): Promise<ServiceSummary | undefined> {
    return (await this.services()).find((s) => s.name === name);
  }

  /** Plan names in coordinator order. */
  async planNames(service: string): Promise<string[]> {
    const rows: { name: string }[] = await this.ds.query(`SELECT name FROM plans WHERE service = $1 ORDER BY position, name`, [service]);
    return rows.map((r) => r.name);
  }

  /** One snapshot of the plan: its rows are read in one repeatable-read transaction, never half a projection. */
  plan(service: string, name: string): Promise<PlanJson | undefined> {
    return this.ds.transaction('REPEATABLE READ', (m) => this.planIn(m, service, name));
  }

  private async planIn(m: EntityManager, service: string, name: string): Promise<PlanJson | undefined> {
    const plans: { strategy: string; status: string; errors: string[] }[] = await m.query(
      `SELECT strategy, status, errors FROM plans WHERE service = $1 AND name = $2`,
      [service, name],
    );
    if (plans.length === 0) return undefined;
    type Times = { started_at: Date | null; completed_at: Date | null };
    const phases: ({ id: string; name: string; strategy: string; status: string } & Times)[] = await m.query(
      `SELECT id, name, strategy, status, started_at, completed_at FROM phases WHERE service = $1 AND plan = $2 ORDER BY position`,
      [service, name],
    );
    const steps: ({ id: string; phase_id: string; name: string; status: string; message: string; errors: string[] } & Times)[] = await m.query(
      `SELECT id, phase_id, name, status, message, errors, started_at, completed_at FROM steps WHERE service = $1 AND plan = $2 ORDER BY position`,
      [service, name],
    );
    const times = (r: Times) => ({ startedAt: r.started_at, completedAt: r.completed_at });
    return planJson({
      plan: plans[0],
      phases: phases.map((ph) => ({ ...ph, ...times(ph) })),
      steps: steps.map((st) => ({ ...st, phaseId: st.phase_id, ...times(st) })),
    });
  }

  /** The read-model generations (the active one, and one being rebuilt) with their checkpoints. */
  generations(): Promise<GenerationProgress[]> {
    return listGenerations(this.ds);
  }

  /** Errors of each step of a plan, by step id (the debug views show them per step). */
  async stepErrors(service: string, plan: string): Promise<Map<string, string[]>> {
    const rows: { id: string; errors: string[] }[] = await this.ds.query(`SELECT id, errors FROM steps WHERE service = $1 AND plan = $2`, [service, plan]);
    return new Map(rows.map((r) => [r.id, r.errors]));
  }

  /** Steps per service, plan and displayed status (for metrics). */
  async stepCounts(): Promise<{ service: string; plan: string; status: string; count: number }[]> {
    const rows: { service: string; plan: string; status: string; n: string }[] = await this.ds.query(
      `SELECT service, plan, status, count(*) AS n FROM steps GROUP BY service, plan, status`,
    );
    return rows.map((r) => ({ service: r.service, plan: r.plan, status: r.status, count: Number(r.n) }));
  }

  async tasks(service: string): Promise<TaskView[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT task_name, task_id, pod_type, pod_index, agent_id, hostname, config_id, task_info, state, message, status
         FROM tasks WHERE service = $1 ORDER BY pod_type, pod_index, task_name`,
      [service],
    );
    return rows.map((r) => ({
      taskName: r['task_name'] as string,
      taskId: r['task_id'] as string,
      podType: r['pod_type'] as string,
      podIndex: r['pod_index'] as number,
      agentId: r['agent_id'] as string,
      hostname: r['hostname'] as string,
      configId: r['config_id'] as string,
      taskInfo: r['task_info'],
      state: r['state'] as string | null,
      message: r['message'] as string,
      status: r['status'],
    }));
  }

  /** Stored tasks with their overrides, for the pod API (reference §6.3: pods come from stored tasks). */
  async podTasks(service: string): Promise<PodTaskView[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT task_name, task_id, pod_type, pod_index, task_info, agent_id, updated_at, state, message, status, override_target, override_progress
         FROM tasks WHERE service = $1 ORDER BY pod_type, pod_index, task_name`,
      [service],
    );
    return rows.map((r) => {
      const info = r['task_info'] as { taskSpecName?: string };
      const state = r['state'] as string | null;
      const target = r['override_target'] as string | null;
      const progress = r['override_progress'] as string | null;
      return {
        taskName: r['task_name'] as string,
        taskId: r['task_id'] as string,
        podType: r['pod_type'] as string,
        podIndex: r['pod_index'] as number,
        taskSpecName: info.taskSpecName ?? (r['task_name'] as string),
        taskInfo: r['task_info'],
        agentId: r['agent_id'] as string,
        updatedAt: new Date(r['updated_at'] as string | Date).toISOString(),
        state,
        message: r['message'] as string,
        status: r['status'] as Record<string, unknown> | null,
        override: target ? { target, progress: progress ?? 'PENDING' } : null,
      };
    });
  }

  async agents(): Promise<AgentView[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT a.agent_id, a.hostname, a.attributes, a.zone, a.region, a.resources, a.lost, a.lost_reason,
              COALESCE((SELECT json_agg(json_build_object('reservationId', r.reservation_id, 'service', r.service, 'podType', r.pod_type,
                'podIndex', r.pod_index, 'resources', r.resources, 'ports', r.ports) ORDER BY r.reservation_id)
                FROM reservations r WHERE r.agent_id = a.agent_id), '[]') AS reservations
         FROM agents a
        ORDER BY a.hostname, a.agent_id`,
    );
    return rows.map((r) => ({
      agentId: r['agent_id'] as string,
      hostname: r['hostname'] as string,
      attributes: r['attributes'] as Record<string, string>,
      zone: r['zone'] as string | null,
      region: r['region'] as string | null,
      resources: r['resources'] as AgentResources,
      lost: r['lost'] as boolean,
      lostReason: r['lost_reason'] as string | null,
      reservations: r['reservations'] as AgentReservationBody[],
    }));
  }
}

export interface TaskView {
  taskName: string;
  taskId: string;
  podType: string;
  podIndex: number;
  agentId: string;
  hostname: string;
  configId: string;
  taskInfo: unknown;
  state: string | null;
  message: string;
  status: unknown;
}

export interface PodTaskView {
  taskName: string;
  taskId: string;
  podType: string;
  podIndex: number;
  taskSpecName: string;
  taskInfo: unknown;
  agentId: string;
  /** When the task's row last changed (its launch or latest status), ISO-8601. */
  updatedAt: string;
  /** Mesos-style state, null while the task never reported one. */
  state: string | null;
  message: string;
  /** Readiness, health and exit code of the latest status. */
  status: Record<string, unknown> | null;
  /** Active goal-state override (reference §1.6.4). */
  override: { target: string; progress: string } | null;
}

