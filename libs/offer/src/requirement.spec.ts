import { summarizeEvaluation } from '.';
import { candidate, pod, World } from '../test/fixtures';

describe('evaluation summaries', () => {
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
