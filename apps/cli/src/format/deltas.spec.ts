import type { PodDelta } from '@marshal/contracts';
import { deltaLines } from './deltas';

const delta = (podInstance: string, operation: PodDelta['operation'], extra: Partial<PodDelta> = {}): PodDelta => ({
  podInstance,
  podType: podInstance.split('-')[0],
  podIndex: 0,
  operation,
  beforeConfigId: null,
  afterConfigId: null,
  before: null,
  after: null,
  changes: [],
  tasks: [],
  ...extra,
});

describe('deltaLines', () => {
  it('one line per pod instance; a MODIFY lists its changed settings and relaunched tasks', () => {
    const text = deltaLines([
      delta('hello-0', 'MODIFY', {
        changes: [{ path: 'tasks.server.env.GREETING', before: 'hi', after: 'x'.repeat(100) }],
        tasks: [
          { task: 'server', operation: 'MODIFY', before: 'a', after: 'b' },
          { task: 'init', operation: 'NOOP', before: 'c', after: 'c' },
        ],
      }),
      delta('world-10', 'NOOP'),
      delta('new-0', 'CREATE'),
    ]);
    expect(text).toBe(
      [
        'hello-0   MODIFY  tasks: server MODIFY',
        `  tasks.server.env.GREETING: "hi" → "${'x'.repeat(58)}…`,
        'world-10  NOOP',
        'new-0     CREATE',
        '',
      ].join('\n'),
    );
  });

  it('says so when there are no pod instances; an added setting shows (none) before', () => {
    expect(deltaLines([])).toBe('No pod instances.\n');
    expect(deltaLines([delta('a-0', 'MODIFY', { changes: [{ path: 'user', after: 'nobody' }] })])).toContain('  user: (none) → "nobody"');
  });
});
