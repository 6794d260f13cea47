import { makeEvent, serviceAggregate, type EventData, type EventType, type MarshalEvent } from '@marshal/contracts';
import { evolveDeployment, NO_DEPLOYMENT, type DeploymentFacts } from './deployment';

let n = 0;
function ev<T extends EventType>(type: T, data: EventData<T>): MarshalEvent {
  n += 1;
  return makeEvent(type, serviceAggregate('hello-world'), data, { id: `e${n}`, at: '2026-11-22T10:00:00.000Z', correlationId: 'c', causationId: null, actor: 'service:plan-manager' }) as MarshalEvent;
}

const planStatus = (plan: string, status: string) => ev('PlanStatusChanged', { service: 'hello-world', plan, status, errors: [], phases: [], steps: [] } as unknown as EventData<'PlanStatusChanged'>);
const uninstallStarted = () => ev('ServiceUninstallStarted', { service: 'hello-world' });
const removed = () => ev('ServiceRemoved', { service: 'hello-world' });
const fold = (...events: MarshalEvent[]): DeploymentFacts => events.reduce(evolveDeployment, NO_DEPLOYMENT);

// reference §2.7: `last-completed-update-type` = DEPLOY the first time the deploy plan is COMPLETE.
describe('the deployment completed rule', () => {
  it.each([
    ['nothing yet', [], false],
    ['deploy in progress', [planStatus('deploy', 'IN_PROGRESS')], false],
    ['deploy complete', [planStatus('deploy', 'COMPLETE')], true],
    ['another plan complete', [planStatus('recovery', 'COMPLETE')], false],
    ['a later update in progress keeps it', [planStatus('deploy', 'COMPLETE'), planStatus('deploy', 'IN_PROGRESS')], true],
    ['the uninstall plan (named deploy) completing is no deployment', [uninstallStarted(), planStatus('deploy', 'COMPLETE')], false],
    ['an uninstall keeps a deployment completed before it', [planStatus('deploy', 'COMPLETE'), uninstallStarted()], true],
    ['a removed service starts afresh', [planStatus('deploy', 'COMPLETE'), uninstallStarted(), removed()], false],
    ['a service installed again after removal deploys anew', [uninstallStarted(), removed(), planStatus('deploy', 'COMPLETE')], true],
  ])('%s → %s', (_name, events, completed) => {
    expect(fold(...(events as MarshalEvent[])).deploymentCompleted).toBe(completed);
  });

  it('keeps the other fields of the state it folds into', () => {
    const s = evolveDeployment({ ...NO_DEPLOYMENT, other: 1 }, planStatus('deploy', 'COMPLETE'));
    expect(s).toEqual({ deploymentCompleted: true, uninstalling: false, other: 1 });
  });
});
