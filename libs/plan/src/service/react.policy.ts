import { makeEvent, serviceAggregate, type MarshalEvent, type Recorded } from '@marshal/contracts';
import { recordFailure } from '../model/backoff';
import { readinessCheckPassed, stepAfterTaskStatus } from '../model/step-lifecycle';
import { NO_DECISION, meta, planOnly, serviceEvent, stepChanged, type Decision, type DecisionContext } from './decision';
import { backoffParams } from './service-settings';
import { unneededLaunchKill, zombieKill } from './orphan-tasks';
import type { ServiceState } from './service-state';

/**
 * A task status (reference §1.6.2 point 4): transitions of the steps that launched this task id, the task's back-off
 * delay (recorded only when the service enables back-off, §1.6.3) and its goal-override progress (§1.6.4).
 */
function onTaskStatus(state: ServiceState, rec: Recorded<MarshalEvent>, ctx: DecisionContext): Decision {
  const e = rec.event;
  if (e.type !== 'TaskStatusUpdated') return NO_DECISION;
  const task = state.tasks[e.data.taskName];
  if (!task || task.taskId !== e.data.taskId) return NO_DECISION;
  const out: MarshalEvent[] = [];
  let backoff: 'failed' | 'clear' | undefined;
  let progress: ReturnType<typeof stepAfterTaskStatus>['overrideProgress'];
  for (const plan of state.plans) {
    for (const phase of plan.phases) {
      for (const step of phase.steps) {
        if (!step.launched.some((l) => l.taskId === e.data.taskId)) continue;
        const outcome = stepAfterTaskStatus(step, {
          taskId: e.data.taskId,
          state: e.data.state,
          readinessPassed: readinessCheckPassed(task.hasReadinessCheck, e.data.readiness),
          goal: task.goal,
        });
        backoff = outcome.backoff ?? backoff;
        progress = outcome.overrideProgress ?? progress;
        const ev = stepChanged(state, ctx, { plan, phase, step }, outcome.step, `${e.data.taskName} is ${e.data.state}${e.data.message ? `: ${e.data.message}` : ''}`);
        if (ev) out.push(ev);
      }
    }
  }
  // TASK_GONE_BY_OPERATOR clears the delay whatever the step did with it (reference §1.6.2 table).
  if (e.data.state === 'TASK_GONE_BY_OPERATOR') backoff = 'clear';
  const params = backoffParams(state);
  if (backoff === 'failed' && params) {
    const next = recordFailure(state.backoff, task.taskName, Date.parse(e.at), params)[task.taskName];
    out.push(serviceEvent(state, ctx, 'TaskDelayed', { service: state.service, taskName: task.taskName, delayMs: next.delayMs, since: next.since }));
  } else if (backoff === 'clear' && state.backoff[task.taskName]) {
    out.push(serviceEvent(state, ctx, 'TaskDelaysCleared', { service: state.service, tasks: [task.taskName], reason: `${task.taskName} is ${e.data.state}` }));
  }
  const override = state.overrides[task.taskName];
  if (override && progress && override.progress !== 'COMPLETE' && override.progress !== progress) {
    out.push(
      serviceEvent(state, ctx, 'GoalOverridesChanged', {
        service: state.service,
        overrides: [{ taskName: task.taskName, target: override.target, progress }],
        reason: `${task.taskName} is ${e.data.state}`,
      }),
    );
  }
  return planOnly(out);
}

/**
 * At launch, an override not yet under way is (reference §1.6.4; the original did it while recording the launch). A
 * launch that raced an uninstall (placed before it started) is killed: the uninstall plan does not know it.
 */
function onTaskLaunched(state: ServiceState, rec: Recorded<MarshalEvent>, ctx: DecisionContext): Decision {
  const e = rec.event;
  if (e.type !== 'TaskLaunched') return NO_DECISION;
  const name = e.data.task.taskName;
  const task = state.tasks[name];
  if (state.uninstalling && task?.taskId === e.data.task.taskId) {
    return {
      plan: [],
      tasks: [
        {
          subject: ctx.subjects.serviceTask(state.service, task.agentId),
          event: makeEvent('TaskKillRequested', serviceAggregate(state.service), { service: state.service, agentId: task.agentId, taskId: task.taskId, taskName: name, reason: 'launched during uninstall' }, meta(ctx)) as MarshalEvent,
        },
      ],
    };
  }
  const override = state.overrides[name];
  if (!override || override.progress !== 'PENDING') return NO_DECISION;
  return planOnly([
    serviceEvent(state, ctx, 'GoalOverridesChanged', {
      service: state.service,
      overrides: [{ taskName: name, target: override.target, progress: 'IN_PROGRESS' }],
      reason: `${name} launched`,
    }),
  ]);
}

/**
 * What plan-manager must append after an event another writer put in the service's history (already folded into
 * `state`): step transitions, back-off and override progress from task statuses. Plans for a new configuration,
 * recovery and the like are `reconcileService`'s, run after every reaction.
 */
export function reactToEvent(state: ServiceState, rec: Recorded<MarshalEvent>, ctx: DecisionContext): Decision {
  switch (rec.event.type) {
    case 'TaskStatusUpdated': {
      const d = onTaskStatus(state, rec, ctx);
      return { plan: d.plan, tasks: [...d.tasks, ...zombieKill(state, rec, ctx)] };
    }
    case 'TaskLaunched': {
      const d = onTaskLaunched(state, rec, ctx);
      return { plan: d.plan, tasks: [...d.tasks, ...unneededLaunchKill(state, rec, ctx)] };
    }
    default:
      return NO_DECISION;
  }
}
