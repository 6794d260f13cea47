import { makeEvent, serviceAggregate, type EventData, type EventType, type MarshalEvent } from '@marshal/contracts';
import { EMPTY_LOG_VIEW, evolveLogView, fileListText, fileNameProblem, propertiesOf, type ServiceLogView } from './service-log-view';

let n = 0;
function ev<T extends EventType>(type: T, data: EventData<T>): MarshalEvent {
  n += 1;
  return makeEvent(type, serviceAggregate('hello-world'), data, { id: `e${n}`, at: '2026-11-22T10:00:00.000Z', correlationId: 'c', causationId: null, actor: 'admin:alice' }) as MarshalEvent;
}

const fold = (events: MarshalEvent[]): ServiceLogView => events.reduce(evolveLogView, EMPTY_LOG_VIEW);
const accepted = (configId: string) => ev('ConfigurationAccepted', { configId } as EventData<'ConfigurationAccepted'>);
const planStatus = (plan: string, status: string) => ev('PlanStatusChanged', { service: 'hello-world', plan, status, errors: [], phases: [], steps: [] } as unknown as EventData<'PlanStatusChanged'>);
const file = (name: string, text: string) => ev('StateFileStored', { service: 'hello-world', name, content: Buffer.from(text).toString('base64') });
const uninstallStarted = () => ev('ServiceUninstallStarted', { service: 'hello-world' } as EventData<'ServiceUninstallStarted'>);
const removed = () => ev('ServiceRemoved', { service: 'hello-world' });
const props = (v: ServiceLogView) => Object.fromEntries([...propertiesOf(v)].map(([k, b]) => [k, b.toString()]));

describe('the state API view of a service (reference §6.6, §10.2)', () => {
  it('the framework id is the first configuration of the install; an update keeps it', () => {
    expect(fold([]).frameworkId).toBeNull();
    expect(fold([accepted('c1'), accepted('c2')]).frameworkId).toBe('c1');
  });

  it('last-completed-update-type is DEPLOY once the deploy plan completed, and stays through a later update', () => {
    expect(props(fold([accepted('c1'), planStatus('deploy', 'IN_PROGRESS')]))).toEqual({});
    expect(props(fold([accepted('c1'), planStatus('deploy', 'COMPLETE'), accepted('c2'), planStatus('deploy', 'IN_PROGRESS')]))).toEqual({ 'last-completed-update-type': 'DEPLOY' });
    expect(props(fold([accepted('c1'), planStatus('recovery', 'COMPLETE')]))).toEqual({});
  });

  it('uninstalling is true once the uninstall started; the uninstall plan completing is no deployment', () => {
    expect(props(fold([accepted('c1'), uninstallStarted(), planStatus('deploy', 'COMPLETE')]))).toEqual({ uninstalling: 'true' });
  });

  it('files are properties file-<name>, listed as the original printed a Java list; a later upload replaces', () => {
    const v = fold([accepted('c1'), file('b', 'two'), file('a', 'one'), file('b', 'TWO')]);
    expect(props(v)).toEqual({ 'file-a': 'one', 'file-b': 'TWO' });
    expect(fileListText(v)).toBe('[a, b]');
    expect(fileListText(EMPTY_LOG_VIEW)).toBe('[]');
  });

  it('a removed service forgets all of it, so an install under the same name starts afresh', () => {
    const v = fold([accepted('c1'), file('a', 'one'), planStatus('deploy', 'COMPLETE'), uninstallStarted(), removed(), accepted('c9')]);
    expect(v).toEqual({ ...EMPTY_LOG_VIEW, frameworkId: 'c9' });
  });

  it.each([
    ['a plain name', 'hosts.txt', undefined],
    ['an empty name', '', 'a file name must have 1 to 255 characters'],
    ['a slash', 'a/b', "the file name 'a/b' may not hold '/', '\\' or control characters"],
    ['a parent', '..', "'..' is not a file name"],
  ])('file names: %s', (_n, name, problem) => {
    expect(fileNameProblem(name)).toBe(problem);
  });
});
