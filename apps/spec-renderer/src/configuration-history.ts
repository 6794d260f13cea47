import type { EventOf, MarshalEvent, Recorded } from '@marshal/contracts';
import type { EventStore } from '@marshal/messaging';
import { evolveDeployment, NO_DEPLOYMENT } from '@marshal/plan';
import type { Subjects } from '@marshal/contracts';

/** What the log says about a service's configurations: its current target and where the subject ends. */
export interface ConfigurationHistory {
  target: EventOf<'ConfigurationAccepted'>['data'] | null;
  accepted: number;
  /** Last sequence of the service's configuration subject: the expectation of the next append. */
  lastSeq: number;
  /** The subject ends with a ConfigurationRejected: its errors show on the deploy plan until a validation passes. */
  rejectionShown?: boolean;
}

export async function readHistory(store: EventStore, subjects: Subjects, service: string): Promise<ConfigurationHistory> {
  const history: ConfigurationHistory = { target: null, accepted: 0, lastSeq: 0 };
  let targetSeq = 0;
  for await (const rec of store.read(subjects.serviceConfig(service)) as AsyncGenerator<Recorded<MarshalEvent>>) {
    history.lastSeq = rec.seq;
    history.rejectionShown = rec.event.type === 'ConfigurationRejected';
    if (rec.event.type === 'ConfigurationAccepted') {
      history.target = rec.event.data;
      history.accepted += 1;
      targetSeq = rec.seq;
    }
  }
  // An uninstall ends with plan-manager's ServiceRemoved (the last event of the plan subject): the service is gone and
  // its name free for a fresh install, whatever configurations it had.
  if (history.target) {
    const lastPlanSeq = await store.lastSeq(subjects.servicePlan(service));
    if (lastPlanSeq > targetSeq && (await store.get(lastPlanSeq))?.event.type === 'ServiceRemoved') {
      history.target = null;
      history.accepted = 0;
    }
  }
  return history;
}

/** Has the deploy plan of the service ever completed (reference §2.7 `last-completed-update-type`)? */
export async function deploymentCompleted(store: EventStore, subjects: Subjects, service: string): Promise<boolean> {
  let facts = NO_DEPLOYMENT;
  for await (const rec of store.read(subjects.servicePlan(service)) as AsyncGenerator<Recorded<MarshalEvent>>) facts = evolveDeployment(facts, rec.event);
  return facts.deploymentCompleted;
}
