import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first read-model schema. Hand-written (toolchain §1.4); a test checks the migrations together build what the
 * entities describe. Migrations run once per generation schema with the search path set to it: unqualified names only.
 */
export class ReadModels1763800000000 implements MigrationInterface {
  name = 'ReadModels1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE services (
        name text PRIMARY KEY,
        config_id text,
        package_name text,
        package_version text,
        options jsonb NOT NULL DEFAULT '{}'::jsonb,
        last_errors jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE configurations (
        id text PRIMARY KEY,
        service text NOT NULL,
        seq bigint NOT NULL,
        accepted_at timestamptz NOT NULL,
        spec jsonb NOT NULL,
        options jsonb NOT NULL,
        scheduler_env jsonb NOT NULL,
        diff text NOT NULL
      );
      CREATE INDEX "IDX_configurations_service" ON configurations (service);
      CREATE TABLE plans (
        service text NOT NULL,
        name text NOT NULL,
        position int NOT NULL,
        strategy text NOT NULL,
        status text NOT NULL,
        errors jsonb NOT NULL DEFAULT '[]'::jsonb,
        config_id text NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (service, name)
      );
      CREATE TABLE phases (
        id text PRIMARY KEY,
        service text NOT NULL,
        plan text NOT NULL,
        position int NOT NULL,
        name text NOT NULL,
        strategy text NOT NULL,
        status text NOT NULL,
        started_at timestamptz,
        completed_at timestamptz
      );
      CREATE INDEX "IDX_phases_service_plan" ON phases (service, plan);
      CREATE TABLE steps (
        id text PRIMARY KEY,
        service text NOT NULL,
        plan text NOT NULL,
        phase_id text NOT NULL,
        position int NOT NULL,
        name text NOT NULL,
        status text NOT NULL,
        message text NOT NULL,
        errors jsonb NOT NULL DEFAULT '[]'::jsonb,
        started_at timestamptz,
        completed_at timestamptz
      );
      CREATE INDEX "IDX_steps_service_plan" ON steps (service, plan);
      CREATE TABLE tasks (
        service text NOT NULL,
        task_name text NOT NULL,
        task_id text NOT NULL,
        pod_type text NOT NULL,
        pod_index int NOT NULL,
        agent_id text NOT NULL,
        hostname text NOT NULL,
        config_id text NOT NULL,
        task_info jsonb NOT NULL,
        state text,
        message text NOT NULL DEFAULT '',
        status jsonb,
        launched_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (service, task_name)
      );
      CREATE INDEX "IDX_tasks_service_pod" ON tasks (service, pod_type, pod_index);
      CREATE TABLE agents (
        agent_id text PRIMARY KEY,
        hostname text NOT NULL,
        attributes jsonb NOT NULL,
        zone text,
        region text,
        resources jsonb NOT NULL,
        lost boolean NOT NULL,
        registered_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE reservations (
        reservation_id text PRIMARY KEY,
        agent_id text NOT NULL,
        service text NOT NULL,
        pod_type text NOT NULL,
        pod_index int NOT NULL,
        resources jsonb NOT NULL,
        ports jsonb NOT NULL,
        volumes jsonb NOT NULL
      );
      CREATE INDEX "IDX_reservations_agent" ON reservations (agent_id);
      CREATE TABLE events (
        seq bigint PRIMARY KEY,
        id text NOT NULL,
        type text NOT NULL,
        version int NOT NULL,
        subject text NOT NULL,
        aggregate text NOT NULL,
        service text,
        agent_id text,
        correlation_id text NOT NULL,
        causation_id text,
        actor text NOT NULL,
        at timestamptz NOT NULL,
        data jsonb NOT NULL
      );
      CREATE UNIQUE INDEX "IDX_events_id" ON events (id);
      CREATE INDEX "IDX_events_type" ON events (type);
      CREATE INDEX "IDX_events_service" ON events (service);
      CREATE INDEX "IDX_events_correlation" ON events (correlation_id);
      CREATE TABLE projector_checkpoints (
        name text PRIMARY KEY,
        seq bigint NOT NULL,
        updated_at timestamptz NOT NULL
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS services, configurations, plans, phases, steps, tasks, agents, reservations, events, projector_checkpoints`);
  }
}
