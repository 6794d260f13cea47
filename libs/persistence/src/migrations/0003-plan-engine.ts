import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Goal-state overrides of tasks (reference §1.6.4), shown by the pod status API. Hand-written like 0001. */
export class PlanEngine1764000000000 implements MigrationInterface {
  name = 'PlanEngine1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tasks ADD COLUMN override_target text;
      ALTER TABLE tasks ADD COLUMN override_progress text;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP COLUMN IF EXISTS override_target, DROP COLUMN IF EXISTS override_progress`);
  }
}
