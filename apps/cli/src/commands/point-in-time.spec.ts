import { pointInTime } from './point-in-time';

// TZ=UTC in the test run (jest.config.js), so local times read as UTC here.
const now = new Date('2026-12-07T19:40:00.000Z');

describe('--at: what an operator writes', () => {
  it.each([
    ['231', '231'],
    ['#231', '231'],
    ['5m', '2026-12-07T19:35:00.000Z'],
    ['90s', '2026-12-07T19:38:30.000Z'],
    ['2h', '2026-12-07T17:40:00.000Z'],
    ['5 minutes ago', '2026-12-07T19:35:00.000Z'],
    ['1 day ago', '2026-12-06T19:40:00.000Z'],
    ['2026-12-07T19:30:00Z', '2026-12-07T19:30:00.000Z'],
    ['2026-12-07T20:30:00+01:00', '2026-12-07T19:30:00.000Z'],
    ['2026-12-07 19:30', '2026-12-07T19:30:00.000Z'],
    ['2026-12-07T19:30:15', '2026-12-07T19:30:15.000Z'],
    ['19:30', '2026-12-07T19:30:00.000Z'],
    ['2026-12-07', '2026-12-07T00:00:00.000Z'],
  ])('%s → %s', (when, expected) => {
    expect(pointInTime(when, now)).toBe(expected);
  });

  it('anything else is an error naming the forms it takes', () => {
    expect(() => pointInTime('yesterday', now)).toThrow(/--at yesterday: expected a log sequence \(231 or #231\), a duration ago/);
  });
});
