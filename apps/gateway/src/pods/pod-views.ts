import { podInstanceName, type TaskInfo } from '@marshal/contracts';
import type { PodTaskView } from '@marshal/persistence';
import { mesosTaskInfo, mesosTaskStatus, type StoredTaskFacts } from './mesos-task-info';

/** The JSON shapes of the pod API (reference §6.3), built from stored tasks. */

export interface TaskStatusJson {
  id: string;
  name: string;
  /** Absent when the task never reported a status. */
  status?: string;
}

export interface PodInstanceJson {
  name: string;
  tasks: TaskStatusJson[];
}

export interface ServicePodsJson {
  service: string;
  /** Absent when the service has no tasks. */
  pods?: { name: string; instances: PodInstanceJson[] }[];
}

const TRANSITIONING: Record<string, string> = { PAUSED: 'PAUSING', DECOMMISSIONED: 'DECOMMISSIONING', NONE: 'STARTING' };

/**
 * A task's status as the pod API shows it (reference §6.3): an active goal override shows its name once complete
 * (PAUSED, DECOMMISSIONED) and its transitioning name before (PAUSING, DECOMMISSIONING, STARTING when resuming);
 * otherwise the task state without its `TASK_` prefix. Undefined while the task never reported a status.
 */
export function taskDisplayStatus(task: Pick<PodTaskView, 'state' | 'override'>): string | undefined {
  if (task.state === null) return undefined;
  const o = task.override;
  if (o && !(o.target === 'NONE' && o.progress === 'COMPLETE')) {
    return o.progress === 'COMPLETE' ? o.target : (TRANSITIONING[o.target] ?? o.target);
  }
  return task.state.replace(/^TASK_/, '');
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const podInstanceOf = (t: Pick<PodTaskView, 'podType' | 'podIndex'>): string => podInstanceName(t.podType, t.podIndex);

/** `GET /v1/pod`: pod instance names, sorted. */
export function podNames(tasks: readonly PodTaskView[]): string[] {
  return [...new Set(tasks.map(podInstanceOf))].sort(byName);
}

function taskJson(t: PodTaskView): TaskStatusJson {
  const status = taskDisplayStatus(t);
  return { id: t.taskId, name: t.taskName, ...(status === undefined ? {} : { status }) };
}

/** `GET /v1/pod/{name}/status`; undefined when no stored task belongs to the pod instance. */
export function podStatus(tasks: readonly PodTaskView[], name: string): PodInstanceJson | undefined {
  const own = tasks.filter((t) => podInstanceOf(t) === name).sort((a, b) => byName(a.taskName, b.taskName));
  return own.length ? { name, tasks: own.map(taskJson) } : undefined;
}

/** `GET /v1/pod/status`: pod types by name, instances by index, tasks by name. */
export function servicePods(service: string, tasks: readonly PodTaskView[]): ServicePodsJson {
  if (tasks.length === 0) return { service };
  const types = [...new Set(tasks.map((t) => t.podType))].sort(byName);
  return {
    service,
    pods: types.map((type) => {
      const indices = [...new Set(tasks.filter((t) => t.podType === type).map((t) => t.podIndex))].sort((a, b) => a - b);
      return { name: type, instances: indices.map((i) => podStatus(tasks, podInstanceName(type, i)) as PodInstanceJson) };
    }),
  };
}

/** Views of `GET /v1/pod/{name}/info`: the original's (Mesos TaskInfo/TaskStatus JSON) or Marshal's own. */
export const POD_INFO_VIEWS = ['sdk', 'marshal'] as const;
export type PodInfoView = (typeof POD_INFO_VIEWS)[number];

/**
 * `GET /v1/pod/{name}/info`: per task, by task name, `{info, status}` — the original's shape by default (reference
 * §6.3: Mesos TaskInfo JSON with its TaskStatus beside it, no status before the first one), or with `view=marshal`
 * Marshal's TaskInfo and a status `{taskId, state, message, readiness, healthy, exitCode}`. Undefined for an unknown pod.
 */
export function podInfo(tasks: readonly PodTaskView[], name: string, view: PodInfoView = 'sdk'): { info: unknown; status?: unknown }[] | undefined {
  const own = tasks.filter((t) => podInstanceOf(t) === name).sort((a, b) => byName(a.taskName, b.taskName));
  if (own.length === 0) return undefined;
  if (view === 'sdk') {
    return own.map((t) => {
      const info = t.taskInfo as TaskInfo;
      const status = mesosTaskStatus(info, { ...t, status: t.status as StoredTaskFacts['status'] });
      return { info: mesosTaskInfo(info, t), ...(status ? { status } : {}) };
    });
  }
  return own.map((t) => ({
    info: t.taskInfo,
    ...(t.state === null ? {} : { status: { taskId: t.taskId, state: t.state, message: t.message, ...(t.status ?? {}) } }),
  }));
}
