import { conflictsWith, requirementName, summarizeEvaluation } from '.';
import { candidate, pod, World } from '../test/fixtures';

const req = (podType: string, podIndex: number, tasks: string[]) => ({ podType, podIndex, tasks });

describe('pod instance requirements (reference §1.6.1, §9.3)', () => {
  it.each([
    ['9.3 same pod type and index with overlapping tasks → conflict: pod-0:[a, b] vs pod-0:[b]', req('pod', 0, ['a', 'b']), req('pod', 0, ['b']), true],
    ['9.3 same pod type and index with disjoint tasks → no conflict: pod-0:[b] vs pod-0:[a]', req('pod', 0, ['b']), req('pod', 0, ['a']), false],
    ['9.3 different index, same tasks → no conflict: pod-0:[a] vs pod-1:[a]', req('pod', 0, ['a']), req('pod', 1, ['a']), false],
    ['9.3 different pod type, same tasks → no conflict: pod-0:[a] vs other-0:[a]', req('pod', 0, ['a']), req('other', 0, ['a']), false],
    ['9.3 a requirement conflicts with itself', req('pod', 0, ['a']), req('pod', 0, ['a']), true],
  ])('%s', (_name, a, b, expected) => {
    expect(conflictsWith(a, b)).toBe(expected);
    expect(conflictsWith(b, a)).toBe(expected);
  });

  it.each([
    [req('hello', 0, ['server']), 'hello-0:[server]'],
    [req('hello', 0, ['once', 'server']), 'hello-0:[once, server]'],
  ])('names %j %s', (r, name) => {
    expect(requirementName(r)).toBe(name);
  });

  it('summarises why nothing fits, agent by agent', () => {
    const w = new World().addPod(pod('hello', { placement: 'hostname:UNIQUE' }));
    w.register('a1', { cpus: 0.5 }).register('a2');
    w.place(candidate('hello', 0));
    const c = candidate('hello', 1);
    expect(summarizeEvaluation(c, w.evaluate(c), 2)).toBe(
      [
        'hello-1:[server]: none of 2 agents fits',
        '- a1 (a1): FAIL(ResourceEvaluationStage): insufficient cpus: 0.5 offered, 1.0 required',
        '- a2 (a2): FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-0 already on host a2',
      ].join('\n'),
    );
    expect(summarizeEvaluation(c, { proposal: null, outcomes: [] }, 0)).toBe('hello-1:[server]: no agent is registered');
  });
});
