import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Read models, rebuilt from the event log by state-projector. Column types are explicit (toolchain §4). */

@Entity({ name: 'services' })
export class ServiceRow {
  @PrimaryColumn('text') name!: string;
  @Column('text', { name: 'config_id', nullable: true }) configId!: string | null;
  @Column('text', { name: 'package_name', nullable: true }) packageName!: string | null;
  @Column('text', { name: 'package_version', nullable: true }) packageVersion!: string | null;
  @Column('jsonb', { default: () => "'{}'::jsonb" }) options!: Record<string, unknown>;
  /** Errors of the last rejected configuration, cleared by the next accepted one. */
  @Column('jsonb', { name: 'last_errors', default: () => "'[]'::jsonb" }) lastErrors!: { path: string; message: string }[];
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  /** When the service's uninstall completed (ServiceRemoved); its row and final plans stay, read-only, until reinstalled. */
  @Column('timestamptz', { name: 'removed_at', nullable: true }) removedAt!: Date | null;
}

@Entity({ name: 'configurations' })
export class ConfigurationRow {
  @PrimaryColumn('text') id!: string;
  @Index() @Column('text') service!: string;
  @Column('bigint', { transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) seq!: number;
  @Column('timestamptz', { name: 'accepted_at' }) acceptedAt!: Date;
  @Column('jsonb') spec!: unknown;
  @Column('jsonb') options!: Record<string, unknown>;
  @Column('jsonb', { name: 'scheduler_env' }) schedulerEnv!: Record<string, string>;
  @Column('text') diff!: string;
}

@Entity({ name: 'plans' })
export class PlanRow {
  @PrimaryColumn('text') service!: string;
  @PrimaryColumn('text') name!: string;
  @Column('int', { name: 'position' }) position!: number;
  @Column('text') strategy!: string;
  @Column('text') status!: string;
  @Column('jsonb', { default: () => "'[]'::jsonb" }) errors!: string[];
  @Column('text', { name: 'config_id' }) configId!: string;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

@Entity({ name: 'phases' })
@Index(['service', 'plan'])
export class PhaseRow {
  @PrimaryColumn('text') id!: string;
  @Column('text') service!: string;
  @Column('text') plan!: string;
  @Column('int') position!: number;
  @Column('text') name!: string;
  @Column('text') strategy!: string;
  @Column('text') status!: string;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt!: Date | null;
}

@Entity({ name: 'steps' })
@Index(['service', 'plan'])
export class StepRow {
  @PrimaryColumn('text') id!: string;
  @Column('text') service!: string;
  @Column('text') plan!: string;
  @Column('text', { name: 'phase_id' }) phaseId!: string;
  @Column('int') position!: number;
  @Column('text') name!: string;
  /** Display status (PAUSING/PAUSED possible). */
  @Column('text') status!: string;
  @Column('text') message!: string;
  @Column('jsonb', { default: () => "'[]'::jsonb" }) errors!: string[];
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt!: Date | null;
}

@Entity({ name: 'tasks' })
@Index(['service', 'podType', 'podIndex'])
export class TaskRow {
  @PrimaryColumn('text') service!: string;
  /** `<pod>-<index>-<task>`; the latest launch of that task wins. */
  @PrimaryColumn('text', { name: 'task_name' }) taskName!: string;
  @Column('text', { name: 'task_id' }) taskId!: string;
  @Column('text', { name: 'pod_type' }) podType!: string;
  @Column('int', { name: 'pod_index' }) podIndex!: number;
  @Column('text', { name: 'agent_id' }) agentId!: string;
  @Column('text') hostname!: string;
  @Column('text', { name: 'config_id' }) configId!: string;
  @Column('jsonb', { name: 'task_info' }) taskInfo!: unknown;
  /** Mesos-style state (TASK_RUNNING …), null until the agent reported one. */
  @Column('text', { nullable: true }) state!: string | null;
  @Column('text', { default: '' }) message!: string;
  @Column('jsonb', { nullable: true }) status!: unknown;
  /** Goal-state override (PAUSED, DECOMMISSIONED, NONE while resuming) and its progress; null when inactive. */
  @Column('text', { name: 'override_target', nullable: true }) overrideTarget!: string | null;
  @Column('text', { name: 'override_progress', nullable: true }) overrideProgress!: string | null;
  @Column('timestamptz', { name: 'launched_at' }) launchedAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

@Entity({ name: 'agents' })
export class AgentRow {
  @PrimaryColumn('text', { name: 'agent_id' }) agentId!: string;
  @Column('text') hostname!: string;
  @Column('jsonb') attributes!: Record<string, string>;
  @Column('text', { nullable: true }) zone!: string | null;
  @Column('text', { nullable: true }) region!: string | null;
  @Column('jsonb') resources!: unknown;
  @Column('boolean') lost!: boolean;
  /** Why it was reported lost (AgentLost v2 `reason`); null while it is not lost. */
  @Column('text', { name: 'lost_reason', nullable: true }) lostReason!: string | null;
  @Column('timestamptz', { name: 'registered_at' }) registeredAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

@Entity({ name: 'reservations' })
@Index(['agentId'])
export class ReservationRow {
  @PrimaryColumn('text', { name: 'reservation_id' }) reservationId!: string;
  @Column('text', { name: 'agent_id' }) agentId!: string;
  @Column('text') service!: string;
  @Column('text', { name: 'pod_type' }) podType!: string;
  @Column('int', { name: 'pod_index' }) podIndex!: number;
  @Column('jsonb') resources!: unknown;
  @Column('jsonb') ports!: number[];
  @Column('jsonb') volumes!: unknown;
}

/** Every event of the log, for the audit API and time travel (by service and sequence: migration 0005). */
@Entity({ name: 'events' })
@Index('IDX_events_service_seq', ['service', 'seq'], { where: 'service IS NOT NULL' })
export class EventRow {
  @PrimaryColumn('bigint', { transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) seq!: number;
  @Index() @Column({ type: 'text', collation: 'C' }) id!: string;
  @Column('text') type!: string;
  @Column('int') version!: number;
  @Column('text') subject!: string;
  @Column('text') aggregate!: string;
  @Column('text', { nullable: true }) service!: string | null;
  @Column('text', { name: 'agent_id', nullable: true }) agentId!: string | null;
  @Index() @Column({ type: 'text', name: 'correlation_id', collation: 'C' }) correlationId!: string;
  @Index() @Column({ type: 'text', name: 'causation_id', nullable: true, collation: 'C' }) causationId!: string | null;
  @Column('text') actor!: string;
  @Column('timestamptz') at!: Date;
  @Column('jsonb') data!: unknown;
  /**
   * What the event is about as `<kind>:<value>` tags (service, agent, type, actor, plan, phase, step, pod, task): the
   * audit API's filters, one GIN index (migration 0002).
   */
  @Column({ type: 'text', array: true, collation: 'C', default: () => "'{}'" }) refs!: string[];
}

@Entity({ name: 'projector_checkpoints' })
export class CheckpointRow {
  @PrimaryColumn('text') name!: string;
  @Column('bigint', { transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) seq!: number;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

export const READ_MODEL_ENTITIES = [
  ServiceRow,
  ConfigurationRow,
  PlanRow,
  PhaseRow,
  StepRow,
  TaskRow,
  AgentRow,
  ReservationRow,
  EventRow,
  CheckpointRow,
];
