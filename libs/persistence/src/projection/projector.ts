import type { DataSource, EntityManager } from 'typeorm';
import type { EventOf, EventType, MarshalEvent, Recorded, Subjects } from '@marshal/contracts';

/** NONE with progress COMPLETE is no override (reference §1.6.4). */
async function setOverrides(m: EntityManager, service: string, tasks: string[], target: string, progress: string): Promise<void> {
  const inactive = target === 'NONE' && progress === 'COMPLETE';
  await m.query(`UPDATE tasks SET override_target = $3, override_progress = $4 WHERE service = $1 AND task_name = ANY($2)`, [
    service,
    tasks,
    inactive ? null : target,
    inactive ? null : progress,
  ]);
}

type Handler<T extends EventType> = (m: EntityManager, rec: Recorded<EventOf<T>>) => Promise<void>;
type Handlers = { [T in EventType]?: Handler<T> };

const handlers: Handlers = {
  async ConfigurationAccepted(m, { seq, event }) {
    const d = event.data;
    await m.query(
      `INSERT INTO services (name, config_id, package_name, package_version, options, last_errors, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, '[]'::jsonb, $6, $6)
       ON CONFLICT (name) DO UPDATE SET config_id = $2, package_name = $3, package_version = $4, options = $5,
         last_errors = '[]'::jsonb, updated_at = $6`,
      [d.service, d.configId, d.package.name, d.package.version, JSON.stringify(d.options), event.at],
    );
    await m.query(
      `INSERT INTO configurations (id, service, seq, accepted_at, spec, options, scheduler_env, diff)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
      [d.configId, d.service, seq, event.at, JSON.stringify(d.spec), JSON.stringify(d.options), JSON.stringify(d.schedulerEnv), d.diff],
    );
  },

  async ConfigurationRejected(m, { event }) {
    const d = event.data;
    await m.query(`UPDATE services SET last_errors = $2, updated_at = $3 WHERE name = $1`, [d.service, JSON.stringify(d.errors), event.at]);
  },

  async PlanGenerated(m, { event }) {
    const { service, configId, order, plan } = event.data;
    await m.query(
      `INSERT INTO plans (service, name, position, strategy, status, errors, config_id, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (service, name) DO UPDATE SET position = $3, strategy = $4, status = $5, errors = $6, config_id = $7, updated_at = $8`,
      [service, plan.name, order, plan.strategy, plan.status, JSON.stringify(plan.errors), configId, event.at],
    );
    await m.query(`DELETE FROM steps WHERE service = $1 AND plan = $2`, [service, plan.name]);
    await m.query(`DELETE FROM phases WHERE service = $1 AND plan = $2`, [service, plan.name]);
    for (const [pi, phase] of plan.phases.entries()) {
      await m.query(
        `INSERT INTO phases (id, service, plan, position, name, strategy, status) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [phase.id, service, plan.name, pi, phase.name, phase.strategy, phase.status],
      );
      for (const [si, step] of phase.steps.entries()) {
        await m.query(
          `INSERT INTO steps (id, service, plan, phase_id, position, name, status, message, errors)
           VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8)`,
          [step.id, service, plan.name, phase.id, si, step.name, step.status, JSON.stringify(step.errors)],
        );
      }
    }
  },

  async StepStatusChanged(m, { event }) {
    const d = event.data;
    await m.query(
      `UPDATE steps SET message = $2,
         started_at = CASE WHEN $3 = 'PENDING' THEN NULL ELSE COALESCE(started_at, $4::timestamptz) END,
         completed_at = CASE WHEN $3 = 'COMPLETE' THEN $4::timestamptz ELSE NULL END
       WHERE id = $1`,
      [d.stepId, d.reason, d.to, event.at],
    );
  },

  async PlanStatusChanged(m, { event }) {
    const d = event.data;
    await m.query(`UPDATE plans SET status = $3, errors = $4, updated_at = $5 WHERE service = $1 AND name = $2`, [
      d.service,
      d.plan,
      d.status,
      JSON.stringify(d.errors),
      event.at,
    ]);
    for (const p of d.phases) {
      await m.query(
        `UPDATE phases SET status = $2,
           started_at = CASE WHEN $2 IN ('PENDING', 'WAITING') THEN started_at ELSE COALESCE(started_at, $3::timestamptz) END,
           completed_at = CASE WHEN $2 = 'COMPLETE' THEN COALESCE(completed_at, $3::timestamptz) ELSE NULL END
         WHERE id = $1`,
        [p.id, p.status, event.at],
      );
    }
    for (const s of d.steps) await m.query(`UPDATE steps SET status = $2 WHERE id = $1`, [s.id, s.status]);
  },

  async RecoveryPlanChanged(m, { event }) {
    const d = event.data;
    if (d.removedPhases.length) {
      await m.query(`DELETE FROM steps WHERE service = $1 AND phase_id = ANY($2)`, [d.service, d.removedPhases]);
      await m.query(`DELETE FROM phases WHERE service = $1 AND id = ANY($2)`, [d.service, d.removedPhases]);
    }
    const rows: { n: number | null }[] = await m.query(`SELECT max(position) AS n FROM phases WHERE service = $1 AND plan = 'recovery'`, [d.service]);
    let position = (rows[0]?.n ?? -1) + 1;
    for (const phase of d.addedTree) {
      await m.query(`INSERT INTO phases (id, service, plan, position, name, strategy, status) VALUES ($1, $2, 'recovery', $3, $4, $5, $6)`, [
        phase.id, d.service, position++, phase.name, phase.strategy, phase.status,
      ]);
      for (const [si, step] of phase.steps.entries()) {
        await m.query(
          `INSERT INTO steps (id, service, plan, phase_id, position, name, status, message, errors) VALUES ($1, $2, 'recovery', $3, $4, $5, $6, '', $7)`,
          [step.id, d.service, phase.id, si, step.name, step.status, JSON.stringify(step.errors)],
        );
      }
    }
  },

  async PlanRemoved(m, { event }) {
    const { service, plan } = event.data;
    await m.query(`DELETE FROM steps WHERE service = $1 AND plan = $2`, [service, plan]);
    await m.query(`DELETE FROM phases WHERE service = $1 AND plan = $2`, [service, plan]);
    await m.query(`DELETE FROM plans WHERE service = $1 AND name = $2`, [service, plan]);
  },

  async ServiceRemoved(m, { event }) {
    const service = event.data.service;
    for (const table of ['steps', 'phases', 'plans', 'tasks', 'reservations', 'configurations']) {
      await m.query(`DELETE FROM ${table} WHERE service = $1`, [service]);
    }
    await m.query(`DELETE FROM services WHERE name = $1`, [service]);
  },

  async PodPauseRequested(m, { event }) {
    await setOverrides(m, event.data.service, event.data.tasks, 'PAUSED', 'PENDING');
  },

  async PodResumeRequested(m, { event }) {
    await setOverrides(m, event.data.service, event.data.tasks, 'NONE', 'PENDING');
  },

  async GoalOverridesChanged(m, { event }) {
    for (const o of event.data.overrides) await setOverrides(m, event.data.service, [o.taskName], o.target, o.progress);
  },

  async TaskErased(m, { event }) {
    const d = event.data;
    await m.query(`DELETE FROM tasks WHERE service = $1 AND task_name = $2 AND task_id = $3`, [d.service, d.taskName, d.taskId]);
  },

  async TaskLaunched(m, { event }) {
    const { service, agentId, hostname, task } = event.data;
    await m.query(
      `INSERT INTO tasks (service, task_name, task_id, pod_type, pod_index, agent_id, hostname, config_id, task_info, state, message, status, launched_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, '', NULL, $10, $10)
       ON CONFLICT (service, task_name) DO UPDATE SET task_id = $3, pod_type = $4, pod_index = $5, agent_id = $6, hostname = $7,
         config_id = $8, task_info = $9, state = NULL, message = '', status = NULL, launched_at = $10, updated_at = $10`,
      [service, task.taskName, task.taskId, task.podType, task.podIndex, agentId, hostname, task.configId, JSON.stringify(task), event.at],
    );
  },

  async TaskStatusUpdated(m, { event }) {
    const d = event.data;
    const status = { readiness: d.readiness ?? null, healthy: d.healthy ?? null, exitCode: d.exitCode ?? null };
    await m.query(
      `UPDATE tasks SET state = $4, message = $5, status = $6, updated_at = $7 WHERE service = $1 AND task_name = $2 AND task_id = $3`,
      [d.service, d.taskName, d.taskId, d.state, d.message, JSON.stringify(status), event.at],
    );
  },

  async AgentRegistered(m, { event }) {
    const d = event.data;
    await m.query(
      `INSERT INTO agents (agent_id, hostname, attributes, zone, region, resources, lost, registered_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, false, $7, $7)
       ON CONFLICT (agent_id) DO UPDATE SET hostname = $2, attributes = $3, zone = $4, region = $5, resources = $6, lost = false, updated_at = $7`,
      [d.agentId, d.hostname, JSON.stringify(d.attributes), d.zone ?? null, d.region ?? null, JSON.stringify(d.resources), event.at],
    );
  },

  async AgentLost(m, { event }) {
    await m.query(`UPDATE agents SET lost = true, updated_at = $2 WHERE agent_id = $1`, [event.data.agentId, event.at]);
  },

  async ResourcesReserved(m, { event }) {
    const d = event.data;
    await m.query(
      `INSERT INTO reservations (reservation_id, agent_id, service, pod_type, pod_index, resources, ports, volumes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (reservation_id) DO UPDATE SET resources = $6, ports = $7, volumes = $8`,
      [d.reservationId, d.agentId, d.service, d.podType, d.podIndex, JSON.stringify(d.resources), JSON.stringify(d.ports), JSON.stringify(d.volumes)],
    );
  },

  async ResourcesReservedBatch(m, { event }) {
    for (const r of event.data.reservations) {
      await m.query(
        `INSERT INTO reservations (reservation_id, agent_id, service, pod_type, pod_index, resources, ports, volumes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (reservation_id) DO UPDATE SET resources = $6, ports = $7, volumes = $8`,
        [r.reservationId, event.data.agentId, r.service, r.podType, r.podIndex, JSON.stringify(r.resources), JSON.stringify(r.ports), JSON.stringify(r.volumes)],
      );
    }
  },

  async ResourcesReleased(m, { event }) {
    await m.query(`DELETE FROM reservations WHERE reservation_id = $1`, [event.data.reservationId]);
  },
};

async function audit(m: EntityManager, subjects: Subjects, { seq, subject, event }: Recorded<MarshalEvent>): Promise<void> {
  const parsed = subjects.parse(subject);
  const service = parsed?.kind === 'service' ? parsed.service : null;
  const agentId = parsed?.kind === 'agent' ? parsed.agentId : (parsed?.agentId ?? null);
  await m.query(
    `INSERT INTO events (seq, id, type, version, subject, aggregate, service, agent_id, correlation_id, causation_id, actor, at, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (seq) DO NOTHING`,
    [seq, event.id, event.type, event.version, subject, event.aggregate, service, agentId, event.correlationId, event.causationId, event.actor, event.at, JSON.stringify(event.data)],
  );
}

export const DEFAULT_PROJECTION = 'read-models';

/** The checkpoint of a projection: the last stream sequence applied (0 = none). */
export async function readCheckpoint(ds: DataSource | EntityManager, name = DEFAULT_PROJECTION): Promise<number> {
  const rows: { seq: string }[] = await ds.query(`SELECT seq FROM projector_checkpoints WHERE name = $1`, [name]);
  return rows.length ? Number(rows[0].seq) : 0;
}

/**
 * Applies a batch of events to the read models and moves the checkpoint in the same transaction, skipping events at
 * or below the checkpoint — so a redelivered event is never applied twice and a crash loses nothing.
 * Returns the checkpoint after the batch.
 */
export async function projectBatch(ds: DataSource, subjects: Subjects, recs: Recorded<MarshalEvent>[], name = DEFAULT_PROJECTION): Promise<number> {
  return ds.transaction(async (m) => {
    await m.query(`INSERT INTO projector_checkpoints (name, seq, updated_at) VALUES ($1, 0, now()) ON CONFLICT (name) DO NOTHING`, [name]);
    const rows: { seq: string }[] = await m.query(`SELECT seq FROM projector_checkpoints WHERE name = $1 FOR UPDATE`, [name]);
    let checkpoint = Number(rows[0].seq);
    for (const rec of recs) {
      if (rec.seq <= checkpoint) continue;
      await audit(m, subjects, rec);
      const handle = handlers[rec.event.type] as Handler<EventType> | undefined;
      if (handle) await handle(m, rec as Recorded<EventOf<EventType>>);
      checkpoint = rec.seq;
    }
    await m.query(`UPDATE projector_checkpoints SET seq = $2, updated_at = now() WHERE name = $1`, [name, checkpoint]);
    return checkpoint;
  });
}
