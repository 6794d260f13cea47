import { renderPending } from './debug-offers.command';

describe('marshal debug offers --pending', () => {
  it('prints each waiting step with why no agent fits, indented under it', () => {
    const text = renderPending({
      acceptedCount: 3,
      rejectedCount: 3,
      failureReasons: { MaxPerHostnameRule: 3 },
      rejectedAgents: { a1: 1, a2: 1, a3: 1 },
      offers: [],
      pending: [
        {
          service: 'hello-world', plan: 'deploy', step: 'hello-3:[server]', stepId: 's3', 'pod-instance-name': 'hello-3:[server]', timestamp: Date.UTC(2026, 10, 22, 10),
          summary: 'hello-3:[server]: none of 1 agents fits\n- a1 (a1): FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-0 already on host a1',
          offers: [],
        },
      ],
    });
    expect(text).toBe(
      'hello-world deploy hello-3:[server] (evaluated 2026-11-22T10:00:00.000Z):\n' +
        '  hello-3:[server]: none of 1 agents fits\n' +
        '  - a1 (a1): FAIL(MaxPerHostnameRule): hostname:UNIQUE: hello-0 already on host a1\n',
    );
  });

  it('says so when nothing waits', () => {
    expect(renderPending({ acceptedCount: 0, rejectedCount: 0, failureReasons: {}, rejectedAgents: {}, offers: [], pending: [] })).toBe('No step is waiting for an agent.\n');
  });
});
