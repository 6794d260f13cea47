import {
  isLaunchOver,
  taskInstanceName,
  type Candidate,
  type MarshalEvent,
  type Recorded,
  type ServiceSpec,
  type Subjects,
  type TaskState,
} from '@marshal/contracts';
import { applyToLedger, emptyLedger, type Ledger } from '@marshal/offer';

export interface TaskFact {
  taskId: string;
  taskName: string;
  service: string;
  agentId: string;
  stepId: string;
  lastState?: TaskState;
  killRequested: boolean;
}

export interface ConfigFact {
  spec: ServiceSpec;
  schedulerEnv: Record<string, string>;
}

const hasEnded = (t: TaskFact): boolean => !!t.lastState && isLaunchOver(t.lastState);
const isOver = (t: TaskFact): boolean => t.killRequested || hasEnded(t);

/**
 * The coordinator's fold of the whole log: configurations, the reservation ledger, where tasks run, which step
 * launched them. It changes only through `apply` (the log, in order) and `applyAppended` (what this process has just
 * appended itself); the rules of this library read it and never assign to it.
 */
export class CoordinatorFold {
  readonly ledger: Ledger = emptyLedger();
  readonly configs = new Map<string, ConfigFact>();
  readonly tasks = new Map<string, TaskFact>();
  /** Last sequence of the log folded in order. */
  seq = 0;
  /** Last sequence of a service subject folded (what plan-manager's fold is compared with). */
  serviceSeq = 0;
  /** Latest task launched per step and task name: `<stepId>` → `<taskName>` → fact. */
  private readonly stepLaunches = new Map<string, Map<string, TaskFact>>();
  /** Tasks plan-manager has recorded on a step (a `launched` report reached it). */
  private readonly acknowledged = new Set<string>();

  constructor(private readonly subjects: Subjects) {}

  /** Folds the next event of the log. */
  apply(rec: Recorded<MarshalEvent>): void {
    this.seq = Math.max(this.seq, rec.seq);
    if (this.subjects.parse(rec.subject)?.kind === 'service') this.serviceSeq = Math.max(this.serviceSeq, rec.seq);
    if (isLedgerEvent(rec.event)) {
      applyToLedger(this.ledger, rec, this.subjects);
      this.ledger.seq = Math.max(this.ledger.seq, rec.seq);
    } else this.evolve(rec);
  }

  /**
   * Folds events this process has just appended, before the log delivers them (again, through `apply`): their facts
   * count at once, so the next decision sees them (the lost-agent check a second later must not report the agent lost
   * again). The positions (`seq`, `serviceSeq`, the ledger's `seq`) move only with the log, in order: waiting for a
   * position must still mean every event before it was folded, and the ledger skips what is at or below its `seq`.
   * So the ledger takes from an appended event only an agent being lost; a TaskLaunched waits for the log (folded
   * twice it would forget the statuses in between); the other facts fold as from the log (they fold the same twice).
   */
  applyAppended(recs: readonly Recorded<MarshalEvent>[]): void {
    for (const rec of recs) {
      const e = rec.event;
      if (e.type === 'AgentLost') {
        const agent = this.ledger.agents.get(e.data.agentId);
        if (agent) agent.lost = true;
      } else if (!isLedgerEvent(e) && e.type !== 'TaskLaunched') this.evolve(rec);
    }
  }

  private evolve(rec: Recorded<MarshalEvent>): void {
    const e = rec.event;
    switch (e.type) {
      case 'ConfigurationAccepted':
        this.configs.set(e.data.configId, { spec: e.data.spec, schedulerEnv: e.data.schedulerEnv });
        break;
      case 'TaskLaunched': {
        const fact: TaskFact = {
          taskId: e.data.task.taskId,
          taskName: e.data.task.taskName,
          service: e.data.service,
          agentId: e.data.agentId,
          stepId: e.data.step.stepId,
          killRequested: false,
        };
        this.tasks.set(fact.taskId, fact);
        let byName = this.stepLaunches.get(fact.stepId);
        if (!byName) this.stepLaunches.set(fact.stepId, (byName = new Map()));
        byName.set(fact.taskName, fact);
        break;
      }
      case 'TaskStatusUpdated': {
        const t = this.tasks.get(e.data.taskId);
        if (t) t.lastState = e.data.state;
        break;
      }
      case 'TaskKillRequested': {
        const t = this.tasks.get(e.data.taskId);
        if (t) t.killRequested = true;
        break;
      }
      case 'StepStatusChanged':
        for (const l of e.data.launched) this.acknowledged.add(l.taskId);
        break;
      case 'PlanGenerated':
        for (const phase of e.data.model.phases) for (const step of phase.steps) for (const l of step.launched) this.acknowledged.add(l.taskId);
        break;
      default:
        break;
    }
  }

  /** Tasks on an agent that have not ended (what becomes TASK_LOST when the agent is lost). */
  liveTasksOn(agentId: string): TaskFact[] {
    return [...this.tasks.values()].filter((t) => t.agentId === agentId && !hasEnded(t));
  }

  /**
   * Tasks of the candidate's step that were launched but never reported to plan-manager (a coordinator stopped
   * between the two) and still run or will: launching them again would run a step's task twice. By task name.
   */
  unreportedLaunches(c: Candidate): Map<string, TaskFact> {
    const out = new Map<string, TaskFact>();
    const byName = this.stepLaunches.get(c.stepId);
    if (!byName) return out;
    for (const task of c.tasks) {
      const name = taskInstanceName(c.podType, c.podIndex, task);
      const fact = byName.get(name);
      if (fact && !this.acknowledged.has(fact.taskId) && !isOver(fact)) out.set(name, fact);
    }
    return out;
  }
}

const LEDGER_EVENTS = new Set<MarshalEvent['type']>(['AgentRegistered', 'ResourcesReserved', 'ResourcesReservedBatch', 'ResourcesReleased', 'AgentLost']);
const isLedgerEvent = (e: MarshalEvent): boolean => LEDGER_EVENTS.has(e.type);
