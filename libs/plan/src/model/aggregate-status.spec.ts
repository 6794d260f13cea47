import type { Status } from '@marshal/contracts';
import { aggregateStatus } from './aggregate-status';

describe('aggregateStatus (reference §1.3, §9.1)', () => {
  const cases: [string, Status[], Status[], string[], boolean, Status][] = [
    ['A1 agg([]; []; ["err"]; false) → ERROR', [], [], ['err'], false, 'ERROR'],
    ['A2 agg([ERROR]; []; []; false) → ERROR', ['ERROR'], [], [], false, 'ERROR'],
    ['A3 agg([]; []; []; false) → COMPLETE', [], [], [], false, 'COMPLETE'],
    ['A4 agg([COMPLETE, COMPLETE]; []; []; false) → COMPLETE', ['COMPLETE', 'COMPLETE'], [], [], false, 'COMPLETE'],
    ['A5 agg([DELAYED]; []; []; true) → WAITING', ['DELAYED'], [], [], true, 'WAITING'],
    ['A6 agg([DELAYED, DELAYED]; []; []; false) → DELAYED', ['DELAYED', 'DELAYED'], [], [], false, 'DELAYED'],
    ['A7 agg([COMPLETE, PENDING]; []; []; true) → WAITING', ['COMPLETE', 'PENDING'], [], [], true, 'WAITING'],
    ['A8 agg([COMPLETE, WAITING]; []; []; false) → WAITING', ['COMPLETE', 'WAITING'], [], [], false, 'WAITING'],
    ['A9 agg([COMPLETE, WAITING]; [WAITING]; []; false) → WAITING', ['COMPLETE', 'WAITING'], ['WAITING'], [], false, 'WAITING'],
    ['A10 agg([PREPARED, WAITING]; []; []; false) → IN_PROGRESS', ['PREPARED', 'WAITING'], [], [], false, 'IN_PROGRESS'],
    ['A11 agg([COMPLETE, IN_PROGRESS]; [IN_PROGRESS]; []; false) → IN_PROGRESS', ['COMPLETE', 'IN_PROGRESS'], ['IN_PROGRESS'], [], false, 'IN_PROGRESS'],
    ['A12 agg([COMPLETE, PENDING]; [PENDING]; []; false) → IN_PROGRESS', ['COMPLETE', 'PENDING'], ['PENDING'], [], false, 'IN_PROGRESS'],
    ['A13 agg([COMPLETE, STARTING]; [STARTING]; []; false) → IN_PROGRESS', ['COMPLETE', 'STARTING'], ['STARTING'], [], false, 'IN_PROGRESS'],
    ['A14 agg([COMPLETE, STARTED]; [STARTED]; []; false) → IN_PROGRESS', ['COMPLETE', 'STARTED'], ['STARTED'], [], false, 'IN_PROGRESS'],
    ['A15 agg([PENDING, PENDING]; [PENDING]; []; false) → PENDING', ['PENDING', 'PENDING'], ['PENDING'], [], false, 'PENDING'],
    ['A16 agg([STARTING, PENDING]; [STARTING]; []; false) → STARTING', ['STARTING', 'PENDING'], ['STARTING'], [], false, 'STARTING'],
    ['A17 agg([STARTED, PENDING]; [STARTED]; []; false) → STARTED', ['STARTED', 'PENDING'], ['STARTED'], [], false, 'STARTED'],
  ];

  it.each(cases)('%s', (_name, childStatuses, candidateStatuses, errors, interrupted, expected) => {
    expect(aggregateStatus({ childStatuses, candidateStatuses, errors, interrupted })).toBe(expected);
  });

  it.each([
    ['a parallel phase [STARTING, PENDING, PENDING] is PENDING (rule 11 before 13)', ['STARTING', 'PENDING', 'PENDING'], ['STARTING', 'PENDING', 'PENDING'], false, 'PENDING'],
    ['a serial phase [STARTING, PENDING, PENDING] is STARTING (only the first step is a candidate)', ['STARTING', 'PENDING', 'PENDING'], ['STARTING'], false, 'STARTING'],
    ['an interrupted but finished parent is COMPLETE (rule 2 before 3)', ['COMPLETE'], [], true, 'COMPLETE'],
    ['rule 15: children [DELAYED, STARTED] with no candidates → ERROR', ['DELAYED', 'STARTED'], [], false, 'ERROR'],
  ] as [string, Status[], Status[], boolean, Status][])('%s', (_name, childStatuses, candidateStatuses, interrupted, expected) => {
    expect(aggregateStatus({ childStatuses, candidateStatuses, errors: [], interrupted })).toBe(expected);
  });
});
