import { javaList, podInstanceName, requirementName, requirementsConflict, taskInstanceName } from './names';

const req = (podType: string, podIndex: number, tasks: string[]) => ({ podType, podIndex, tasks });

describe('pod instance requirements (reference §1.6.1, §9.3)', () => {
  it.each([
    ['9.3 same pod type and index with overlapping tasks → conflict: pod-0:[a, b] vs pod-0:[b]', req('pod', 0, ['a', 'b']), req('pod', 0, ['b']), true],
    ['9.3 same pod type and index with disjoint tasks → no conflict: pod-0:[b] vs pod-0:[a]', req('pod', 0, ['b']), req('pod', 0, ['a']), false],
    ['9.3 different index, same tasks → no conflict: pod-0:[a] vs pod-1:[a]', req('pod', 0, ['a']), req('pod', 1, ['a']), false],
    ['9.3 different pod type, same tasks → no conflict: pod-0:[a] vs other-0:[a]', req('pod', 0, ['a']), req('other', 0, ['a']), false],
    ['9.3 a requirement conflicts with itself', req('pod', 0, ['a']), req('pod', 0, ['a']), true],
  ])('%s', (_name, a, b, expected) => {
    expect(requirementsConflict(a, b)).toBe(expected);
    expect(requirementsConflict(b, a)).toBe(expected);
  });

  it.each([
    [req('hello', 0, ['server']), 'hello-0:[server]'],
    [req('hello', 0, ['once', 'server']), 'hello-0:[once, server]'],
  ])('names %j %s', (r, name) => {
    expect(requirementName(r)).toBe(name);
  });

  it('names pod instances and task instances (reference §1.6.1)', () => {
    expect(podInstanceName('hello', 0)).toBe('hello-0');
    expect(taskInstanceName('hello', 2, 'server')).toBe('hello-2-server');
    expect(javaList(['a', ['b', 'c']])).toBe('[a, [b, c]]');
  });
});
