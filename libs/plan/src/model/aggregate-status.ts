import type { Status } from '@marshal/contracts';

export interface AggregateStatusInput {
  /** Status of every child. */
  childStatuses: readonly Status[];
  /** Status of the children the parent's strategy returns as candidates with no dirty assets. */
  candidateStatuses: readonly Status[];
  /** The parent's errors, its children's included. */
  errors: readonly string[];
  /** The parent's own interrupted flag (its strategy's). */
  interrupted: boolean;
}

const any = (s: Status, of: readonly Status[]) => of.includes(s);
const all = (s: Status, of: readonly Status[]) => of.every((x) => x === s);

/** A parent's status from its children's (reference §1.3): the 15 rules, first match wins. */
export function aggregateStatus({ childStatuses, candidateStatuses, errors, interrupted }: AggregateStatusInput): Status {
  const children = childStatuses;
  const candidates = candidateStatuses;
  if (errors.length > 0 || any('ERROR', children)) return 'ERROR'; // rule 1
  if (all('COMPLETE', children)) return 'COMPLETE'; // rule 2: includes no children
  if (interrupted) return 'WAITING'; // rule 3
  if (all('DELAYED', candidates) && all('DELAYED', children)) return 'DELAYED'; // rule 4: no candidates counts as all
  if (any('PREPARED', children)) return 'IN_PROGRESS'; // rule 5
  if (any('WAITING', candidates)) return 'WAITING'; // rule 6
  if (any('IN_PROGRESS', candidates)) return 'IN_PROGRESS'; // rule 7
  if (any('COMPLETE', children)) {
    if (any('PENDING', candidates) || any('STARTING', candidates) || any('STARTED', candidates)) return 'IN_PROGRESS'; // rules 8-10
  }
  if (any('PENDING', candidates)) return 'PENDING'; // rule 11
  if (any('WAITING', children)) return 'WAITING'; // rule 12
  if (any('STARTING', candidates)) return 'STARTING'; // rule 13
  if (any('STARTED', candidates)) return 'STARTED'; // rule 14
  return 'ERROR'; // rule 15: the original logs "unexpected state"
}

/** PREPARED, STARTING, STARTED and IN_PROGRESS (reference §1.2 `isRunning`). */
export function isRunningStatus(status: Status | undefined): boolean {
  return status === 'PREPARED' || status === 'STARTING' || status === 'STARTED' || status === 'IN_PROGRESS';
}
