import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Time travel reads one service's events up to a sequence (`WHERE service = $1 AND seq <= $2 ORDER BY seq`); since
 * migration 0002 replaced the index on `service` with the GIN index of `refs`, that query scanned the whole table.
 * A B-tree on `(service, seq)` answers it by range, in order. Built without the statement timeout, which a service
 * may set on its connections: on a long log the build takes longer than any one query should.
 */
export class TimeTravelIndex1764200000000 implements MigrationInterface {
  name = 'TimeTravelIndex1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`SET LOCAL statement_timeout = 0`);
    await q.query(`CREATE INDEX "IDX_events_service_seq" ON events (service, seq) WHERE service IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_events_service_seq"`);
  }
}
