import { toServiceTree, toSinglePodTree } from './pod-tree';

describe('pod trees (reference §7.3, §7.7)', () => {
  it('7.7 pod service tree with a single task KILLED: three nested └─ levels', () => {
    const json = { service: 'hello-world', pods: [{ name: 'hello', instances: [{ name: 'hello-0', tasks: [{ id: 'x', name: 'hello-0-server', status: 'KILLED' }] }] }] };
    expect(toServiceTree(JSON.stringify(json))).toBe('hello-world\n└─ hello\n   └─ hello-0\n      └─ hello-0-server (KILLED)\n');
  });

  it('7.7 single pod world-0 with tasks PAUSING, PAUSED', () => {
    const json = { name: 'world-0', tasks: [{ name: 'world-0-server', status: 'PAUSING' }, { name: 'world-0-sidecar', status: 'PAUSED' }] };
    expect(toSinglePodTree(JSON.stringify(json))).toBe('world-0\n├─ world-0-server (PAUSING)\n└─ world-0-sidecar (PAUSED)\n');
  });

  it('renders the illustration of §7.3, with <UNKNOWN> for what is missing', () => {
    const json = {
      service: 'hello-world',
      pods: [
        { name: 'hello', instances: [{ name: 'hello-0', tasks: [{ name: 'hello-0-server', status: 'RUNNING' }] }] },
        { name: 'world', instances: [{ name: 'world-0', tasks: [{ name: 'world-0-server', status: 'RUNNING' }] }, { name: 'world-1', tasks: [{ name: 'world-1-server' }] }] },
      ],
    };
    expect(toServiceTree(JSON.stringify(json))).toBe(
      [
        'hello-world',
        '├─ hello',
        '│  └─ hello-0',
        '│     └─ hello-0-server (RUNNING)',
        '└─ world',
        '   ├─ world-0',
        '   │  └─ world-0-server (RUNNING)',
        '   └─ world-1',
        '      └─ world-1-server (<UNKNOWN>)',
        '',
      ].join('\n'),
    );
    expect(toServiceTree('{"service":"s"}')).toBe('s\n');
  });

  it('a reply that is not JSON fails with the original message', () => {
    expect(() => toServiceTree('nope')).toThrow(/^Failed to parse JSON in pods response: /);
    expect(() => toSinglePodTree('nope')).toThrow(/^Failed to parse JSON in pod response: /);
  });
});
