import type { DataSource } from 'typeorm';
import { DEFAULT_PROJECTION, readCheckpoint } from '../projection/projector';
import { listGenerations, type GenerationProgress } from '../schema/generations';

/** The JSON of `GET /v1/plans/{plan}` (reference §6.2): no plan name field, statuses as displayed. */
export interface PlanJson {
  phases: {
    id: string;
    name: string;
    steps: { id: string; status: string; name: string; message: string }[];
    strategy: string;
    status: string;
  }[];
  errors: string[];
  status: string;
  strategy: string;
}

export interface ServiceSummary {
  name: string;
  configId: string | null;
  packageName: string | null;
  packageVersion: string | null;
  lastErrors: { path: string; message: string }[];
  deployStatus: string | null;
}

export interface PlanRows {
  plan: { strategy: string; status: string; errors: string[] };
  /** In position order. */
  phases: { id: string; name: string; strategy: string; status: string }[];
  /** In position order. */
  steps: { id: string; phaseId: string; name: string; status: string; message: string; errors: string[] }[];
}

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
      steps: steps.filter((s) => s.phaseId === p.id).map((s) => ({ id: s.id, status: s.status, name: s.name, message: s.message })),
      strategy: p.strategy,
      status: p.status,
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
         FROM services s LEFT JOIN plans p ON p.service = s.name AND p.name = 'deploy' ORDER BY s.name`,
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

  async service(name: string): Promise<ServiceSummary | undefined> {
    return (await this.services()).find((s) => s.name === name);
  }

  /** Plan names in coordinator order. */
  async planNames(service: string): Promise<string[]> {
    const rows: { name: string }[] = await this.ds.query(`SELECT name FROM plans WHERE service = $1 ORDER BY position, name`, [service]);
    return rows.map((r) => r.name);
  }

  async plan(service: string, name: string): Promise<PlanJson | undefined> {
    const plans: { strategy: string; status: string; errors: string[] }[] = await this.ds.query(
      `SELECT strategy, status, errors FROM plans WHERE service = $1 AND name = $2`,
      [service, name],
    );
    if (plans.length === 0) return undefined;
    const phases: { id: string; name: string; strategy: string; status: string }[] = await this.ds.query(
      `SELECT id, name, strategy, status FROM phases WHERE service = $1 AND plan = $2 ORDER BY position`,
      [service, name],
    );
    const steps: { id: string; phase_id: string; name: string; status: string; message: string; errors: string[] }[] = await this.ds.query(
      `SELECT id, phase_id, name, status, message, errors FROM steps WHERE service = $1 AND plan = $2 ORDER BY position`,
      [service, name],
    );
    return planJson({ plan: plans[0], phases, steps: steps.map((st) => ({ ...st, phaseId: st.phase_id })) });
  }

  /** The read-model generations (the active one, and one being rebuilt) with their checkpoints. */
  generations(): Promise<GenerationProgress[]> {
    return listGenerations(this.ds);
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
      resources: r['resources'],
      lost: r['lost'] as boolean,
      lostReason: r['lost_reason'] as string | null,
      reservations: r['reservations'] as unknown[],
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

export interface AgentView {
  agentId: string;
  hostname: string;
  attributes: Record<string, string>;
  zone: string | null;
  region: string | null;
  resources: unknown;
  lost: boolean;
  /** Why the agent was reported lost (null while it is not). */
  lostReason: string | null;
  reservations: unknown[];
}
