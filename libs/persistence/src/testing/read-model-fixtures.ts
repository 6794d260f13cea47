import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { upcast, validateRecordedEvent, type MarshalEvent, type Recorded } from '@marshal/contracts';
import { createTestDatabase } from '@marshal/testing';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../data-source';
import { migrate } from '../schema/generations';

/** Test support (not exported by the package): stored logs and migrated test databases. */

export const FIXTURES_DIR = join(__dirname, '..', '..', '..', 'contracts', 'fixtures');

/** A stored log (`libs/contracts/fixtures/*.jsonl`): each event checked at its own version, then upcast as on read. */
export function readStoredLog(file: string): Recorded<MarshalEvent>[] {
  return readFileSync(join(FIXTURES_DIR, file), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const r = JSON.parse(line) as Recorded;
      validateRecordedEvent(r.event);
      return { seq: r.seq, subject: r.subject, event: upcast(r.event) as MarshalEvent };
    });
}

export interface MigratedDatabase {
  ds: DataSource;
  /** Closes the connection and drops the database. */
  close(): Promise<void>;
}

/** A fresh test database with the read models migrated (first generation active), connected. */
export async function openMigratedDatabase(): Promise<MigratedDatabase> {
  const db = await createTestDatabase();
  const ds = createDataSource({ url: db.url });
  await ds.initialize();
  await migrate(ds);
  return {
    ds,
    close: async () => {
      await ds.destroy();
      await db.drop();
    },
  };
}
