import type { PlanAction } from '@marshal/contracts';
import { isRunningStatus } from './aggregate-status';
import {
  interruptPhase,
  interruptPlan,
  mapSteps,
  phaseInterrupted,
  phaseStatus,
  planStatus,
  proceedPhase,
  proceedPlan,
} from './plan-status';
import { parameterNameProblem } from './plan-parameters';
import { stepTaskNames } from './requirement';
import { SKIPPABLE_STATUSES, forceCompleteStep, restartStep, skipStep } from './step-lifecycle';
import { stepStatus } from './step-status';
import type { PhaseModel, PlanModel, StepModel } from '@marshal/contracts';
import type { PlanContext } from './plan-context';

/** An operator command on a plan (reference §6.2). */
export interface PlanCommandInput {
  /** The plan name as the operator gave it. */
  plan: string;
  action: PlanAction;
  /** A phase id or name. */
  phase?: string;
  /** A step id or name. */
  step?: string;
  /** `start` only. */
  parameters?: Record<string, string>;
}

/** Domain codes of the original's responses: 200, 208, 404, 400 (reference §6.2). */
export type PlanCommandCode = 'OK' | 'ALREADY_REPORTED' | 'NOT_FOUND' | 'INVALID_ARGUMENT';

export interface PlanCommandOutcome {
  code: PlanCommandCode;
  /** For OK the text of the original's `{"message": …}`; otherwise its plain-text body. */
  message: string;
}

export interface PlanCommandResult<P extends PlanModel | undefined> {
  plan: P;
  outcome: PlanCommandOutcome;
  /** Task instance names whose back-off delay the command cleared (step restarts, reference §1.5). */
  clearBackoff: string[];
}

export const ALREADY_REPORTED_MESSAGE = 'Command has already been reported or completed';

const ok = (message: string): PlanCommandOutcome => ({ code: 'OK', message: `Received cmd: ${message}` });
const alreadyReported: PlanCommandOutcome = { code: 'ALREADY_REPORTED', message: ALREADY_REPORTED_MESSAGE };
const notFound = (what: string): PlanCommandOutcome => ({ code: 'NOT_FOUND', message: `${what} not found` });
const invalid = (message: string): PlanCommandOutcome => ({ code: 'INVALID_ARGUMENT', message });

/** Java's `Map.toString()`: `{A=1, B=2}`. */
function javaMap(map: Record<string, string>): string {
  return `{${Object.entries(map)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')}}`;
}

/**
 * Phases an operator named: by id, else by exact name (several phases may share a name). The original matched by
 * id only when the value parsed as a UUID.
 */
function findPhases(plan: PlanModel, idOrName: string): PhaseModel[] {
  const byId = plan.phases.filter((p) => p.id === idOrName);
  return byId.length > 0 ? byId : plan.phases.filter((p) => p.name === idOrName);
}

/** The one step of the phase with that id or name; more than one match counts as not found. */
function findStep(phase: PhaseModel, idOrName: string): StepModel | undefined {
  const byId = phase.steps.filter((s) => s.id === idOrName);
  const matches = byId.length > 0 ? byId : phase.steps.filter((s) => s.name === idOrName);
  return matches.length === 1 ? matches[0] : undefined;
}

const restartAll = (plan: PlanModel, only?: (p: PhaseModel) => boolean) => mapSteps(plan, restartStep, only);
const taskNamesOf = (steps: readonly StepModel[]) => steps.flatMap(stepTaskNames);
const allSteps = (plan: PlanModel) => plan.phases.flatMap((p) => p.steps);

type Target = { kind: 'plan' } | { kind: 'phase'; phase: PhaseModel } | { kind: 'step'; phase: PhaseModel; step: StepModel };

/** reference §6.2 target resolution of forceComplete and restart. */
function resolveTarget(plan: PlanModel, phase?: string, step?: string): Target | PlanCommandOutcome {
  if (!phase && !step) return { kind: 'plan' };
  if (!phase) return invalid('Missing phase');
  const found = findPhases(plan, phase)[0];
  if (!found) return notFound(`Phase ${phase}`);
  if (!step) return { kind: 'phase', phase: found };
  const s = findStep(found, step);
  return s ? { kind: 'step', phase: found, step: s } : notFound(`Step ${step}`);
}

function replacePhase(plan: PlanModel, phase: PhaseModel): PlanModel {
  return { ...plan, phases: plan.phases.map((p) => (p.id === phase.id ? phase : p)) };
}

function replaceStep(plan: PlanModel, phaseId: string, step: StepModel): PlanModel {
  return mapSteps(plan, (s) => (s.id === step.id ? step : s), (p) => p.id === phaseId);
}

type Applied = { plan: PlanModel; outcome: PlanCommandOutcome; clearBackoff?: string[] };

function apply(plan: PlanModel, cmd: PlanCommandInput, ctx: PlanContext): Applied {
  const targetText = `for Plan: ${cmd.plan}, Phase: ${cmd.phase ?? null}, Step: ${cmd.step ?? null}`;
  switch (cmd.action) {
    case 'start': {
      // reference §3.7: parameters replace every step's; a COMPLETE plan restarts; the plan proceeds.
      const parameters = cmd.parameters ?? {};
      let next = mapSteps(plan, (s) => ({ ...s, parameters: { ...parameters } }));
      let clearBackoff: string[] = [];
      if (planStatus(next, ctx) === 'COMPLETE') {
        next = restartAll(next);
        clearBackoff = taskNamesOf(allSteps(next));
      }
      return {
        plan: proceedPlan(next),
        outcome: ok(`start ${cmd.plan} with parameters: ${javaMap(parameters)}`),
        clearBackoff,
      };
    }
    case 'stop':
      return { plan: restartAll(interruptPlan(plan)), outcome: ok('stop'), clearBackoff: taskNamesOf(allSteps(plan)) };
    case 'continue':
    case 'interrupt': {
      const proceeding = cmd.action === 'continue';
      if (cmd.phase) {
        const phases = findPhases(plan, cmd.phase);
        if (phases.length === 0) return { plan, outcome: notFound(`Phase ${cmd.phase}`) };
        const statuses = phases.map((p) => phaseStatus(p, ctx));
        const allComplete = statuses.every((s) => s === 'COMPLETE');
        const noop = proceeding
          ? statuses.every(isRunningStatus)
          : phases.every((p) => phaseInterrupted(p, ctx));
        if (noop || allComplete) return { plan, outcome: alreadyReported };
        const changed = phases.reduce(
          (acc, p) => replacePhase(acc, proceeding ? proceedPhase(p, ctx) : interruptPhase(p, ctx)),
          plan,
        );
        return { plan: changed, outcome: ok(cmd.action) };
      }
      const status = planStatus(plan, ctx);
      const noop = proceeding ? isRunningStatus(status) : plan.strategy.interrupted;
      if (noop || status === 'COMPLETE') return { plan, outcome: alreadyReported };
      return { plan: proceeding ? proceedPlan(plan) : interruptPlan(plan), outcome: ok(cmd.action) };
    }
    case 'skip': {
      // other-systems §1a.7: one step, not started, delayed or failed; passed over, unlike a force-complete.
      if (!cmd.step) return { plan, outcome: invalid('Missing step') };
      const target = resolveTarget(plan, cmd.phase, cmd.step);
      if ('code' in target) return { plan, outcome: target };
      if (target.kind !== 'step') return { plan, outcome: invalid('Missing step') };
      if (target.step.skipped) return { plan, outcome: alreadyReported };
      const status = stepStatus(target.step, ctx);
      if (!SKIPPABLE_STATUSES.includes(status)) {
        return { plan, outcome: invalid(`Step ${target.step.name} is ${status}; only a pending, waiting, delayed or failed step can be skipped`) };
      }
      return { plan: replaceStep(plan, target.phase.id, skipStep(target.step)), outcome: ok(`skip ${targetText}`), clearBackoff: stepTaskNames(target.step) };
    }
    case 'forceComplete':
    case 'restart': {
      const target = resolveTarget(plan, cmd.phase, cmd.step);
      if ('code' in target) return { plan, outcome: target };
      const status =
        target.kind === 'plan'
          ? planStatus(plan, ctx)
          : target.kind === 'phase'
            ? phaseStatus(target.phase, ctx)
            : stepStatus(target.step, ctx);
      if (cmd.action === 'forceComplete') {
        if (status === 'COMPLETE') return { plan, outcome: alreadyReported };
        const next =
          target.kind === 'plan'
            ? mapSteps(plan, forceCompleteStep)
            : target.kind === 'phase'
              ? mapSteps(plan, forceCompleteStep, (p) => p.id === target.phase.id)
              : replaceStep(plan, target.phase.id, forceCompleteStep(target.step));
        return { plan: next, outcome: ok(`forceComplete ${targetText}`) };
      }
      // A WAITING target is not PENDING, so restarting it is not a no-op (reference §6.2).
      if (status === 'PENDING') return { plan, outcome: alreadyReported };
      if (target.kind === 'plan') {
        return { plan: restartAll(proceedPlan(plan)), outcome: ok(`restart ${targetText}`), clearBackoff: taskNamesOf(allSteps(plan)) };
      }
      if (target.kind === 'phase') {
        const phase = proceedPhase(target.phase, ctx);
        return {
          plan: restartAll(replacePhase(plan, phase), (p) => p.id === phase.id),
          outcome: ok(`restart ${targetText}`),
          clearBackoff: taskNamesOf(phase.steps),
        };
      }
      return {
        plan: replaceStep(plan, target.phase.id, restartStep({ ...target.step, interrupted: false })),
        outcome: ok(`restart ${targetText}`),
        clearBackoff: stepTaskNames(target.step),
      };
    }
  }
}

/**
 * Applies an operator command to a plan with the original's outcomes and messages (reference §6.2, §9.10). `plan`
 * is the plan named `cmd.plan`, or undefined when there is none (404). Rejected commands return the plan unchanged.
 */
export function applyPlanCommand<P extends PlanModel | undefined>(
  plan: P,
  cmd: PlanCommandInput,
  ctx: PlanContext = {},
): PlanCommandResult<P> {
  if (cmd.action === 'start') {
    // The original validates parameter names before it looks the plan up; loader variables are refused as well.
    for (const name of Object.keys(cmd.parameters ?? {})) {
      const problem = parameterNameProblem(name);
      if (problem !== undefined) return { plan, outcome: invalid(`Couldn't parse parameters: ${problem}`), clearBackoff: [] };
    }
  }
  if (!plan) return { plan, outcome: notFound(`Plan ${cmd.plan}`), clearBackoff: [] };
  const applied = apply(plan, cmd, ctx);
  return { plan: applied.plan as P, outcome: applied.outcome, clearBackoff: applied.clearBackoff ?? [] };
}
