import { bySubject, candidate, context, given, SERVICE, subjects } from '../test/coordinator.fixtures';
import { releaseMovedReservation, unreserveStep } from './release.rules';

const released = (agentId: string, reservationId: string, reason: string) => [
  subjects.agent(agentId),
  'ResourcesReleased',
  { agentId, reservationId, service: SERVICE, reason },
];

describe('unreserve steps (reference §3.5)', () => {
  const unreserve = candidate({ kind: 'unreserve', plan: 'decommission', step: 'unreserve-r1', target: 'r1' });

  it('releases the named reservation on every agent holding it, the report about the last release', () => {
    const g = given().agent('a1').agent('a2').agent('a3').reservation('a1', 'r1').reservation('a2', 'r1').reservation('a3', 'r2');
    const d = unreserveStep(g.fold, unreserve, context());
    expect(bySubject(d.appends)).toEqual([released('a1', 'r1', 'decommission/unreserve-r1'), released('a2', 'r1', 'decommission/unreserve-r1')]);
    expect(d.appends.map((a) => a.msgId)).toEqual(['release:r1', 'release:r1']);
    expect(d.report).toEqual({ result: { kind: 'done', note: 'released r1' }, about: d.appends[1].event.id });
  });

  it('a reservation nobody holds: nothing to release, the step is done', () => {
    const g = given().agent('a1').reservation('a1', 'r2');
    expect(unreserveStep(g.fold, unreserve, context())).toEqual({ appends: [], report: { result: { kind: 'done', note: 'released r1' } } });
  });
});

describe('a pod replaced elsewhere gives back its other reservations', () => {
  it('releases the pod instance’s reservations but not the new one, nor other pods’, caused by the new reservation', () => {
    const g = given()
      .agent('a1')
      .agent('a2')
      .reservation('a1', 'r-old')
      .reservation('a1', 'r-other-pod', 'hello', 1)
      .reservation('a1', 'r-other-service', 'hello', 0, 'other')
      .reservation('a2', 'r-new');
    const appends = releaseMovedReservation(g.fold, candidate({ kind: 'recovery', recoveryType: 'PERMANENT' }), { agentId: 'a2', reservationId: 'r-new', cause: 'ev-reserved' }, context());
    expect(bySubject(appends)).toEqual([released('a1', 'r-old', 'hello-0 replaced on a2')]);
    expect([appends[0].msgId, appends[0].event.correlationId, appends[0].event.causationId]).toEqual(['release:r-old', 'cfg-change', 'ev-reserved']);
  });

  it('a pod relaunched in place (same reservation, same agent) releases nothing', () => {
    const g = given().agent('a1').reservation('a1', 'r1');
    expect(releaseMovedReservation(g.fold, candidate(), { agentId: 'a1', reservationId: 'r1', cause: 'ev' }, context())).toEqual([]);
  });
});
