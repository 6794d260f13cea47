import type { Candidate } from '@marshal/contracts';
import { chainOf, sharedChainOf, type Chain } from './lineage';

const candidate = (stepId: string, lineage?: { correlationId: string; causationId: string }): Candidate => ({
  service: 'svc',
  configId: 'cfg-1',
  plan: 'deploy',
  phaseId: 'ph',
  phase: 'hello',
  stepId,
  step: `hello-${stepId}:[server]`,
  kind: 'deployment',
  status: 'PENDING',
  podType: 'hello',
  podIndex: 0,
  tasks: ['server'],
  recoveryType: 'NONE',
  environment: {},
  tasksToKill: [],
  ...(lineage ? { lineage } : {}),
});

const fresh = (): (() => string) => {
  let n = 0;
  return () => `new-${++n}`;
};

describe('the chain of the events appended for candidates (lineage)', () => {
  it('continues the step’s chain, or correlates by the step when plan-manager gave none', () => {
    expect(chainOf(candidate('s1', { correlationId: 'cfg', causationId: 'ev-1' }))).toEqual({ correlationId: 'cfg', causationId: 'ev-1' });
    expect(chainOf(candidate('s1'))).toEqual({ correlationId: 's1', causationId: null });
  });

  it.each<[string, Candidate[], Chain]>([
    ['one candidate: its chain', [candidate('s1', { correlationId: 'cfg', causationId: 'ev-1' })], { correlationId: 'cfg', causationId: 'ev-1' }],
    [
      'steps released by the same event: that chain',
      [candidate('s1', { correlationId: 'cfg', causationId: 'ev-1' }), candidate('s2', { correlationId: 'cfg', causationId: 'ev-1' })],
      { correlationId: 'cfg', causationId: 'ev-1' },
    ],
    [
      'one correlation, different causes: the correlation without a cause',
      [candidate('s1', { correlationId: 'cfg', causationId: 'ev-1' }), candidate('s2', { correlationId: 'cfg', causationId: 'ev-2' })],
      { correlationId: 'cfg', causationId: null },
    ],
    [
      'different correlations: a correlation of its own',
      [candidate('s1', { correlationId: 'cfg', causationId: 'ev-1' }), candidate('s2', { correlationId: 'cmd', causationId: 'ev-2' })],
      { correlationId: 'new-1', causationId: null },
    ],
  ])('a batch of reservations on one agent: %s', (_, candidates, chain) => {
    expect(sharedChainOf(candidates, fresh())).toEqual(chain);
  });
});
