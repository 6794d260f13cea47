import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `services.removed_at`: an uninstalled service keeps its row and its final plans (read-only) until it is installed
 * again; the gateway serves them for a retention period (reference §3.6: a client polling the uninstall plan sees it
 * COMPLETE).
 */
export class FinishedServices1764100000000 implements MigrationInterface {
  name = 'FinishedServices1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE services ADD COLUMN removed_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE services DROP COLUMN removed_at`);
  }
}
