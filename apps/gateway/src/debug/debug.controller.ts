import { Controller, Get, Param, Query } from '@nestjs/common';
import { podInstanceName } from '@marshal/contracts';
import { ReadModelQueries, type PlanJson } from '@marshal/persistence';
import { debugPlans, type DebugPlanInput, type DebugPlansResult } from '@marshal/plan';
import { ServiceResolver } from '../http/service-resolver';
import { ServiceLogViews } from '../state/service-log-views';

interface TaskStatusView {
  name: string;
  phases: { name: string; steps: { name: string; taskStatus: { name: string; taskStatus: string; taskId: string }[] }[] }[];
}

/** Debug views of the original (reference §6.8): plans summary, task statuses per step, reservations per agent. */
@Controller(['v1/debug', 'v1/service/:service/debug', 'v1/multi/:service/debug'])
export class DebugController {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly services: ServiceResolver,
    private readonly logViews: ServiceLogViews,
  ) {}

  private async plans(service: string): Promise<{ name: string; plan: PlanJson }[]> {
    const out: { name: string; plan: PlanJson }[] = [];
    for (const name of await this.queries.planNames(service)) {
      const plan = await this.queries.plan(service, name);
      if (plan) out.push({ name, plan });
    }
    return out;
  }

  @Get('plans')
  async debugPlans(
    @Param('service') service: string | undefined,
    @Query('plan') plan?: string,
    @Query('phase') phase?: string,
    @Query('step') step?: string,
  ): Promise<DebugPlansResult> {
    const name = await this.services.resolve(service);
    const inputs: DebugPlanInput[] = [];
    for (const { name: planName, plan: p } of await this.plans(name)) {
      const errors = await this.queries.stepErrors(name, planName);
      inputs.push({
        name: planName,
        status: p.status,
        strategy: p.strategy,
        phases: p.phases.map((ph) => ({ name: ph.name, status: ph.status, strategy: ph.strategy, steps: ph.steps.map((s) => ({ name: s.name, status: s.status, errors: errors.get(s.id) ?? [] })) })),
      });
    }
    // DEPLOYED means the deployment ever completed (reference §6.8), as plan-manager folds it, not the plan's status now.
    const { deploymentCompleted } = await this.logViews.view(name);
    return debugPlans(inputs, { plan, phase, step }, deploymentCompleted);
  }

  /** One task per step: the step's pod instance task whose name appears in the step name (reference §6.8). */
  @Get('taskStatuses')
  async taskStatuses(@Param('service') service: string | undefined): Promise<TaskStatusView[]> {
    const name = await this.services.resolve(service);
    const tasks = await this.queries.tasks(name);
    return (await this.plans(name)).map(({ name: planName, plan }) => ({
      name: planName,
      phases: plan.phases.map((ph) => ({
        name: ph.name,
        steps: ph.steps.map((st) => {
          const instance = /^(.+-\d+):\[/.exec(st.name)?.[1];
          const t = tasks.find((x) => instance && podInstanceName(x.podType, x.podIndex) === instance && st.name.includes(x.taskName.slice(instance.length + 1)));
          return { name: st.name, taskStatus: t ? [{ name: t.taskName, taskStatus: t.state ?? 'TASK_UNKNOWN', taskId: t.taskId }] : [] };
        }),
      })),
    }));
  }

  /** Reservation ids by agent hostname (reference §6.8): of every service, or under `/v1/service/<name>/` of that one. */
  @Get('reservations')
  async reservations(@Param('service') service: string | undefined): Promise<Record<string, string[]>> {
    const only = service === undefined ? undefined : await this.services.resolve(service);
    const out: Record<string, string[]> = {};
    for (const a of await this.queries.agents()) {
      const mine = (a.reservations as { reservationId: string; service: string }[]).filter((r) => only === undefined || r.service === only);
      if (only === undefined || mine.length > 0) out[a.hostname] = mine.map((r) => r.reservationId).sort();
    }
    return out;
  }
}
