import { toPlanStatusTree } from './plan-tree';

// Reference §7.2.1 and the cases pinned by CLI/queries/plan_test.go (§7.7).
describe('plan status tree', () => {
  it('renders the illustration of §7.2.1', () => {
    expect(
      toPlanStatusTree('deploy', {
        status: 'IN_PROGRESS',
        strategy: 'serial',
        errors: [],
        phases: [
          { name: 'hello', strategy: 'serial', status: 'COMPLETE', steps: [{ name: 'hello-0:[server]', status: 'COMPLETE' }] },
          {
            name: 'world',
            strategy: 'serial',
            status: 'IN_PROGRESS',
            steps: [
              { name: 'world-0:[server]', status: 'STARTING' },
              { name: 'world-1:[server]', status: 'PENDING' },
            ],
          },
        ],
      }),
    ).toBe(
      [
        'deploy (serial strategy) (IN_PROGRESS)',
        '├─ hello (serial strategy) (COMPLETE)',
        '│  └─ hello-0:[server] (COMPLETE)',
        '└─ world (serial strategy) (IN_PROGRESS)',
        '   ├─ world-0:[server] (STARTING)',
        '   └─ world-1:[server] (PENDING)',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['{} → unknown strategy and status', {}, 'deploy (<UNKNOWN> strategy) (<UNKNOWN>)\n'],
    ['no phases → only line 1', { status: 'COMPLETE', strategy: 'serial', phases: [] }, 'deploy (serial strategy) (COMPLETE)\n'],
    ['a phase {}', { status: 'PENDING', strategy: 'serial', phases: [{}] }, 'deploy (serial strategy) (PENDING)\n└─ <UNKNOWN> (<UNKNOWN> strategy) (<UNKNOWN>)\n'],
    [
      'a step {}',
      { status: 'PENDING', strategy: 'serial', phases: [{ name: 'p', strategy: 'serial', status: 'PENDING', steps: [{}] }] },
      'deploy (serial strategy) (PENDING)\n└─ p (serial strategy) (PENDING)\n   └─ <UNKNOWN> (<UNKNOWN>)\n',
    ],
    [
      '417 with errors',
      { status: 'ERROR', errors: ['deploy error'], phases: [] },
      'deploy (<UNKNOWN> strategy) (ERROR)\n\nErrors:\n- deploy error\n',
    ],
  ])('%s', (_name, plan, expected) => {
    expect(toPlanStatusTree('deploy', plan)).toBe(expected);
  });
});
