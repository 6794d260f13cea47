import { taskZones, zoneAt, zoneOfTask, type ZoneTask } from './zones';

const task = (taskName: string, hostname: string, zone?: string): ZoneTask => ({ taskName, hostname, taskInfo: { env: zone ? { ZONE: zone } : {} } });
const TASKS = [task('world-0-server', 'agent-2', 'zone-b'), task('hello-0-server', 'agent-1', 'zone-a'), task('hello-1-server', 'agent-3')];

describe('zones of tasks (reference §6.6)', () => {
  it('maps each task launched with a ZONE to it, by task name', () => {
    expect(taskZones(TASKS)).toEqual({ 'hello-0-server': 'zone-a', 'world-0-server': 'zone-b' });
  });

  it('answers the zone of one task, none for a task without a zone or unknown', () => {
    expect(zoneOfTask(TASKS, 'world-0-server')).toBe('zone-b');
    expect(zoneOfTask(TASKS, 'hello-1-server')).toBeUndefined();
    expect(zoneOfTask(TASKS, 'nope')).toBeUndefined();
  });

  it('answers the zone of the pod type task at an address (the agent hostname), none elsewhere', () => {
    expect(zoneAt(TASKS, 'hello', 'agent-1')).toBe('zone-a');
    expect(zoneAt(TASKS, 'world', 'agent-1')).toBeUndefined();
    expect(zoneAt(TASKS, 'hello', 'agent-3')).toBeUndefined();
  });
});
