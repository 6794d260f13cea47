import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { upcast, validateRecordedEvent, type MarshalEvent, type Recorded } from '@marshal/contracts';

/** Test support (not exported by the package): stored logs. */

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
