import { databaseUnavailable } from './database-errors';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('database failures that are bounds or outages, not bugs', () => {
  it('a statement cancelled by its timeout is UNAVAILABLE, saying so', () => {
    expect(databaseUnavailable(Object.assign(new Error('canceling statement due to statement timeout'), { driverError: { code: '57014' } }))).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('statement timeout'),
    });
  });

  it.each(['08006', '53300', '57P01'])('SQLSTATE %s is UNAVAILABLE', (code) => {
    expect(databaseUnavailable(pgError(code))?.code).toBe('UNAVAILABLE');
  });

  it('no free connection in the pool in time is UNAVAILABLE', () => {
    expect(databaseUnavailable(new Error('timeout exceeded when trying to connect'))?.code).toBe('UNAVAILABLE');
  });

  it('anything else (a syntax error, a bug) is not', () => {
    expect(databaseUnavailable(pgError('42601'))).toBeUndefined();
    expect(databaseUnavailable(new TypeError('x is undefined'))).toBeUndefined();
    expect(databaseUnavailable('text')).toBeUndefined();
  });
});
