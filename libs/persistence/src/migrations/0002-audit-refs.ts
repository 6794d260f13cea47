import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit API's filters and causal chains: `events.refs` tags under one GIN index (replacing the type and service
 * indexes it covers), causation ids for walking chains, a BRIN index on `at` for time ranges (events arrive in time
 * order, so it costs next to nothing on insert); event ids no longer unique, so the table holds exactly what the log
 * holds (a retried append outside the de-duplication window is two events) and can be bulk-loaded with COPY; ids and
 * tags compared byte-wise (collation "C": they are identifiers, and index upkeep is cheaper); `agents.lost_reason`
 * (AgentLost v2).
 */
export class AuditRefs1763900000000 implements MigrationInterface {
  name = 'AuditRefs1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE events ADD COLUMN refs text[] COLLATE "C" NOT NULL DEFAULT '{}';
      ALTER TABLE events ALTER COLUMN id TYPE text COLLATE "C", ALTER COLUMN correlation_id TYPE text COLLATE "C",
        ALTER COLUMN causation_id TYPE text COLLATE "C";
      CREATE INDEX "IDX_events_refs" ON events USING gin (refs);
      CREATE INDEX "IDX_events_causation" ON events (causation_id);
      CREATE INDEX "IDX_events_at" ON events USING brin (at);
      DROP INDEX "IDX_events_type";
      DROP INDEX "IDX_events_service";
      DROP INDEX "IDX_events_id";
      CREATE INDEX "IDX_events_id" ON events (id);
      ALTER TABLE agents ADD COLUMN lost_reason text;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE agents DROP COLUMN lost_reason;
      DROP INDEX "IDX_events_id";
      CREATE UNIQUE INDEX "IDX_events_id" ON events (id);
      CREATE INDEX "IDX_events_service" ON events (service);
      CREATE INDEX "IDX_events_type" ON events (type);
      DROP INDEX "IDX_events_at";
      DROP INDEX "IDX_events_causation";
      DROP INDEX "IDX_events_refs";
      ALTER TABLE events DROP COLUMN refs;
      ALTER TABLE events ALTER COLUMN id TYPE text, ALTER COLUMN correlation_id TYPE text, ALTER COLUMN causation_id TYPE text;
    `);
  }
}
