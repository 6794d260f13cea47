import type { AuditEvent } from '@marshal/contracts';
import { formatChain, formatEvent } from './event-log';

const base = { version: 1, id: 'e', correlationId: 'c', causationId: null, at: '2026-11-22T05:00:06.811Z', subject: 'marshal.evt.service.hello-world', aggregate: 'service:hello-world' };
const transition: AuditEvent = {
  ...base, seq: 16, type: 'StepStatusChanged', service: 'hello-world', agentId: null, actor: 'service:plan-manager', id: 't',
  data: { service: 'hello-world', plan: 'deploy', phase: 'hello', step: 'hello-0:[server]', from: 'STARTING', to: 'COMPLETE', reason: 'hello-0-server is TASK_RUNNING', errors: [] },
};

describe('readable event log', () => {
  it.each<[string, AuditEvent, string]>([
    ['a step transition', transition,
      '#16 2026-11-22T05:00:06.811Z hello-world StepStatusChanged deploy › hello › hello-0:[server] STARTING → COMPLETE: hello-0-server is TASK_RUNNING (by service:plan-manager)'],
    ['a task status on an agent', { ...base, seq: 15, type: 'TaskStatusUpdated', service: 'hello-world', agentId: 'agent-1', actor: 'agent:agent-1',
      data: { taskName: 'hello-0-server', agentId: 'agent-1', state: 'TASK_RUNNING', message: 'command started' } },
      '#15 2026-11-22T05:00:06.811Z hello-world TaskStatusUpdated hello-0-server on agent-1 TASK_RUNNING: command started (by agent:agent-1)'],
    ['an agent event', { ...base, seq: 18, type: 'AgentLost', service: null, agentId: 'agent-1', actor: 'service:coordinator',
      data: { agentId: 'agent-1', reason: 'no heartbeat for 5000 ms' } },
      '#18 2026-11-22T05:00:06.811Z agent agent-1 AgentLost: no heartbeat for 5000 ms (by service:coordinator)'],
    ['a rejected configuration', { ...base, seq: 4, type: 'ConfigurationRejected', service: 'kafka', agentId: null, actor: 'admin:alice',
      data: { errors: [{ path: 'pods', message: 'required' }] } },
      '#4 2026-11-22T05:00:06.811Z kafka ConfigurationRejected: 1 error: {"path":"pods","message":"required"} (by admin:alice)'],
    ['an event of a type added later, without data', { ...base, seq: 30, type: 'PodPaused', service: 'hello-world', agentId: null, actor: 'operator:bob' },
      '#30 2026-11-22T05:00:06.811Z hello-world PodPaused (by operator:bob)'],
  ])('prints %s on one line', (_, e, line) => {
    expect(formatEvent(e)).toBe(line);
  });

  it('indents a chain by causation depth under what caused it', () => {
    const cause = { ...transition, seq: 3, type: 'ConfigurationAccepted', actor: 'admin:admin', data: {} };
    const out = formatChain({ id: 't', causes: [cause], events: [{ ...transition, depth: 0 }, { ...transition, seq: 17, depth: 1 }], truncated: false });
    expect(out.split('\n')).toEqual([
      'caused by:',
      '  #3 2026-11-22T05:00:06.811Z hello-world ConfigurationAccepted (by admin:admin)',
      '',
      'chain of t:',
      expect.stringMatching(/^ {2}#16 .* STARTING → COMPLETE/),
      expect.stringMatching(/^ {4}#17 /),
      '',
    ]);
  });
});
