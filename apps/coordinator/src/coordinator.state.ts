import { TERMINAL_TASK_STATES, type MarshalEvent, type Recorded, type ServiceSpec, type TaskState } from '@marshal/contracts';
import { applyToLedger, emptyLedger, type Ledger } from '@marshal/offer';

export interface TaskFact {
  taskId: string;
  taskName: string;
  service: string;
  agentId: string;
  lastState?: TaskState;
}

export interface ConfigFact {
  spec: ServiceSpec;
  schedulerEnv: Record<string, string>;
}

/** The coordinator's fold of the whole log: configurations, the reservation ledger and where tasks run. */
export class CoordinatorState {
  readonly ledger: Ledger = emptyLedger();
  readonly configs = new Map<string, ConfigFact>();
  readonly tasks = new Map<string, TaskFact>();
  seq = 0;
  /** Last sequence of a service subject folded (what plan-manager's fold is compared with). */
  serviceSeq = 0;

  apply(rec: Recorded<MarshalEvent>): void {
    this.seq = Math.max(this.seq, rec.seq);
    if (rec.subject.includes('.evt.svc.')) this.serviceSeq = Math.max(this.serviceSeq, rec.seq);
    const e = rec.event;
    switch (e.type) {
      case 'ConfigurationAccepted':
        this.configs.set(e.data.configId, { spec: e.data.spec, schedulerEnv: e.data.schedulerEnv });
        break;
      case 'TaskLaunched':
        this.tasks.set(e.data.task.taskId, { taskId: e.data.task.taskId, taskName: e.data.task.taskName, service: e.data.service, agentId: e.data.agentId });
        break;
      case 'TaskStatusUpdated': {
        const t = this.tasks.get(e.data.taskId);
        if (t) t.lastState = e.data.state;
        break;
      }
      case 'AgentRegistered':
      case 'ResourcesReserved':
      case 'ResourcesReleased':
      case 'AgentLost':
        applyToLedger(this.ledger, rec);
        this.ledger.seq = Math.max(this.ledger.seq, rec.seq);
        break;
      default:
        break;
    }
  }

  /** Tasks on an agent that have not ended (what becomes TASK_LOST when the agent is lost). */
  liveTasksOn(agentId: string): TaskFact[] {
    return [...this.tasks.values()].filter(
      (t) => t.agentId === agentId && !(t.lastState && (TERMINAL_TASK_STATES.has(t.lastState) || t.lastState === 'TASK_LOST')),
    );
  }
}
