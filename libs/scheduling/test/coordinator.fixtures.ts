import {
  agentAggregate,
  makeEvent,
  serviceAggregate,
  subjectsFor,
  type Candidate,
  type EventData,
  type EventType,
  type MarshalEvent,
  type PodSpec,
  type Recorded,
  type ServiceSpec,
  type TaskInfo,
  type TaskState,
} from '@marshal/contracts';
import { CoordinatorFold, type Append, type DecisionContext } from '../src';

/** Builders for the coordinator rules' tests: a fold fed by the events a log would hold, and a decision context. */

export const subjects = subjectsFor();
export const SERVICE = 'hello-world';
export const NOW = '2026-12-07T12:00:00.000Z';

/** A fold and the log it was fed. */
export class Given {
  readonly fold = new CoordinatorFold(subjects);
  private seq = 0;

  event<T extends EventType>(type: T, data: EventData<T>, subject: string, aggregate: string): this {
    this.seq++;
    const event = makeEvent(type, aggregate, data, { id: `log-${this.seq}`, at: NOW, correlationId: 'c', causationId: null, actor: 'test' }) as MarshalEvent;
    this.fold.apply({ seq: this.seq, subject, event });
    return this;
  }

  agent(agentId: string, hostname = `${agentId}.example`): this {
    return this.event(
      'AgentRegistered',
      { agentId, hostname, attributes: {}, resources: { cpus: 8, memory: 8192, disk: 10_000, gpus: 0, ports: [{ begin: 10_000, end: 10_100 }], mounts: [] } },
      subjects.agent(agentId),
      agentAggregate(agentId),
    );
  }

  reservation(agentId: string, reservationId: string, podType = 'hello', podIndex = 0, service = SERVICE): this {
    return this.event(
      'ResourcesReserved',
      { agentId, reservationId, service, podType, podIndex, resources: { cpus: 1, memory: 256, disk: 0, gpus: 0 }, ports: [], volumes: [] },
      subjects.agent(agentId),
      agentAggregate(agentId),
    );
  }

  launched(taskId: string, opts: { agentId?: string; task?: string; stepId?: string; podIndex?: number; service?: string } = {}): this {
    const service = opts.service ?? SERVICE;
    const agentId = opts.agentId ?? 'a1';
    const task = taskInfo(taskId, opts.task ?? 'server', opts.podIndex ?? 0, service);
    return this.event(
      'TaskLaunched',
      { service, agentId, hostname: `${agentId}.example`, reservationId: 'r', step: { plan: 'deploy', phaseId: 'ph', stepId: opts.stepId ?? 'step-1', step: 'hello-0:[server]' }, task },
      subjects.serviceTask(service, agentId),
      serviceAggregate(service),
    );
  }

  status(taskId: string, state: TaskState, agentId = 'a1', taskName = 'hello-0-server'): this {
    return this.event('TaskStatusUpdated', { service: SERVICE, agentId, taskId, taskName, state, message: '' }, subjects.serviceTask(SERVICE, agentId), serviceAggregate(SERVICE));
  }

  config(configId: string, spec: ServiceSpec = serviceSpec(), schedulerEnv: Record<string, string> = {}): this {
    return this.event(
      'ConfigurationAccepted',
      {
        service: SERVICE, configId, previousConfigId: null, spec, options: {}, package: { name: 'hello-world', version: '1.0.0', files: {} }, schedulerEnv,
        warnings: [], diff: '', changedPods: [],
      },
      subjects.serviceConfig(SERVICE),
      serviceAggregate(SERVICE),
    );
  }
}

export const given = (): Given => new Given();

export function taskInfo(taskId: string, task = 'server', podIndex = 0, service = SERVICE): TaskInfo {
  return {
    taskId, taskName: `hello-${podIndex}-${task}`, taskSpecName: task, service, podType: 'hello', podIndex, configId: 'cfg-1', goal: 'RUNNING', essential: true,
    cmd: 'sleep 1', env: {}, resources: { cpus: 0.1, memory: 32, disk: 0, gpus: 0 }, ports: [], volumes: [], configs: [], uris: [], rlimits: [], killGracePeriod: 0,
    labels: {},
  };
}

export function helloPod(tasks: string[] = ['server']): PodSpec {
  return {
    type: 'hello', count: 1, allowDecommission: false, user: 'root', networks: [], rlimits: [], uris: [], preReservedRole: '*', secrets: [], sharePidNamespace: false,
    hostVolumes: [], externalVolumes: [], volumes: [],
    resourceSets: tasks.map((t) => ({ id: `${t}-resource-set`, cpus: 0.5, memory: 64, ports: [], volumes: [] })),
    tasks: tasks.map((t) => ({
      name: t, goal: 'RUNNING', essential: true, cmd: `echo ${t}`, env: {}, labels: {}, resourceSet: `${t}-resource-set`, configs: [], killGracePeriod: 0,
      transportEncryption: [], readinessCheck: { cmd: 'test -f ready', interval: 1, timeout: 1, delay: 0 },
    })),
  };
}

export function serviceSpec(pod: PodSpec = helloPod(), name = SERVICE): ServiceSpec {
  return { name, role: `${name}-role`, principal: `${name}-principal`, user: 'root', zookeeper: 'master.mesos:2181', pods: [pod], plans: [] };
}

export function candidate(overrides: Partial<Candidate> = {}): Candidate {
  return {
    service: SERVICE, configId: 'cfg-1', plan: 'deploy', phaseId: 'ph', phase: 'hello', stepId: 'step-1', step: 'hello-0:[server]', kind: 'deployment',
    status: 'PENDING', podType: 'hello', podIndex: 0, tasks: ['server'], recoveryType: 'NONE', environment: {}, tasksToKill: [],
    lineage: { correlationId: 'cfg-change', causationId: 'ev-released' },
    ...overrides,
  };
}

/** A decision context with ids `id-1`, `id-2`, … in order of use. */
export function context(now = NOW): DecisionContext {
  let n = 0;
  return { subjects, now, newId: () => `id-${++n}`, actor: 'service:coordinator' };
}

/** The appends as `[subject, event type, data]`, to compare what a rule decided, keyed by subject. */
export function bySubject(appends: readonly Append[]): [string, string, unknown][] {
  return appends.map((a) => [a.subject, a.event.type, a.event.data]);
}

/** The appends as the log would record them (sequences after `from`), to fold them back. */
export function recorded(appends: readonly Append[], from = 1_000): Recorded<MarshalEvent>[] {
  return appends.map((a, i) => ({ seq: from + i, subject: a.subject, event: a.event }));
}
