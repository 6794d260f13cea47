import {
  PHASE_STRATEGY_TABLE,
  PLAN_STRATEGY_TABLE,
  javaList,
  listedStrategyNames,
  podInstanceName,
  requirementName,
  type PhaseStrategyName,
  type PhaseSpec,
  type PlanSpec,
  type PlanStrategyName,
  type PodSpec,
  type ServiceSpec,
  type Status,
} from '@marshal/contracts';
import { DEPLOY_PLAN, UPDATE_PLAN } from './plan-names';
import { phaseView } from './plan-status';
import {
  canaryStrategy,
  dependencyStrategy,
  parallelStrategy,
  serialStrategy,
} from './strategy';
import type { BasicStrategyModel, PhaseModel, PlanModel, Requirement, StepModel, StrategyModel } from '@marshal/contracts';

export interface GenerateOptions {
  /** The deploy plan was seen COMPLETE once (`last-completed-update-type`): selects `update` (reference §3.3). */
  deploymentCompleted: boolean;
  newId: () => string;
  /** Initial status of a valid deployment step, PENDING or COMPLETE (see `initialStepStatus`, reference §3.8.1). */
  initialStatus: (requirement: Requirement) => Status;
}

export interface GeneratedPlans {
  /** `deploy` first, then the custom plans in YAML order, created interrupted (reference §1.4). */
  plans: PlanModel[];
  /** Plan-generation errors; the original refused to start on any of them. When there are errors, `plans` is empty. */
  errors: string[];
}

/** Thrown inside generation to abandon a phase or plan, as the original's IllegalStateException did. */
class GenerationError extends Error {}

/**
 * reference §3.8.1 step factory validation: tasks launched together may not share a resource set or a discovery
 * prefix.
 */
function stepFactoryError(pod: PodSpec, index: number, tasks: readonly string[]): string | undefined {
  const specs = pod.tasks.filter((t) => tasks.includes(t.name));
  const hasDuplicates = (xs: readonly string[]) => new Set(xs).size < xs.length;
  const launching = `Attempted to simultaneously launch tasks: ${javaList(tasks)} in pod: ${podInstanceName(pod.type, index)}`;
  const resourceSets = specs.map((t) => t.resourceSet);
  if (hasDuplicates(resourceSets)) {
    return (
      `${launching} using the same resource set id: ${javaList(resourceSets)}. ` +
      'These tasks should either be run in separate steps or use different resource set ids'
    );
  }
  const prefixes = specs.flatMap((t) => (t.discovery?.prefix === undefined ? [] : [t.discovery.prefix]));
  if (hasDuplicates(prefixes)) {
    return (
      `${launching} using the same DNS name: ${javaList(prefixes)}. ` +
      'These tasks should either be run in separate steps or use different DNS names'
    );
  }
  return undefined;
}

/** A deployment step for one pod instance and tasks; an invalid one becomes an ERROR step named `<pod>-<index>`. */
function deploymentStep(pod: PodSpec, index: number, tasks: readonly string[], opts: GenerateOptions): StepModel {
  const base = { id: opts.newId(), kind: 'deployment' as const, interrupted: false, parameters: {}, launched: [], prepared: false };
  const error = stepFactoryError(pod, index, tasks);
  if (error !== undefined) {
    return {
      ...base,
      name: podInstanceName(pod.type, index),
      status: 'ERROR',
      requirement: { podType: pod.type, podIndex: index, tasks: [], recoveryType: 'NONE' },
      errors: [error],
    };
  }
  const requirement: Requirement = { podType: pod.type, podIndex: index, tasks: [...tasks], recoveryType: 'NONE' };
  return { ...base, name: requirementName(requirement), status: opts.initialStatus(requirement), requirement, errors: [] };
}

function phaseOf(name: string, parts: PhaseParts, opts: GenerateOptions): PhaseModel {
  return { id: opts.newId(), name, strategy: parts.strategy, steps: parts.steps };
}

interface PhaseParts {
  strategy: StrategyModel;
  steps: StepModel[];
}

/** How each basic strategy a YAML name stands for is built over a phase's steps or a plan's phases (reference §2.2). */
const BUILD_OVER: { readonly [T in PhaseStrategyEntry['over'] | PlanStrategyEntry['over']]: (children: readonly StepModel[] | readonly PhaseModel[]) => BasicStrategyModel } = {
  serial: (children) => serialStrategy(children.map((c) => ('steps' in c ? phaseView(c) : { id: c.id, status: c.status }))),
  parallel: () => parallelStrategy(),
};

type PhaseStrategyEntry = (typeof PHASE_STRATEGY_TABLE)[PhaseStrategyName];
type PlanStrategyEntry = (typeof PLAN_STRATEGY_TABLE)[PlanStrategyName];

/** The table's entry for a YAML name, or a generation error listing the accepted names as the original did. */
function phaseStrategyEntry(name: string, phase: string): PhaseStrategyEntry {
  const entry = (PHASE_STRATEGY_TABLE as Record<string, PhaseStrategyEntry | undefined>)[name];
  if (entry) return entry;
  throw new GenerationError(
    `Unsupported phase strategy '${name}', expected one of: ${javaList(listedStrategyNames(PHASE_STRATEGY_TABLE))} (phase '${phase}')`,
  );
}

/**
 * The phase strategy named in YAML over a flat step list (reference §2.2 "YAML strategy names"); `prerequisites`
 * (custom steps, §3.2) turn a parallel one into a dependency strategy where each step waits for its pod's earlier
 * steps.
 */
function namedPhaseStrategy(name: string, phase: string, steps: StepModel[], prerequisites?: Record<string, string[]>, maxConcurrent?: number): PhaseParts {
  const entry = phaseStrategyEntry(name, phase);
  const basic =
    entry.over === 'parallel' && prerequisites
      ? dependencyStrategy(prerequisites, maxConcurrent)
      : entry.over === 'parallel' && maxConcurrent !== undefined
        ? parallelStrategy(maxConcurrent)
        : BUILD_OVER[entry.over](steps);
  return entry.canary ? canaryStrategy(basic, steps) : { strategy: basic, steps };
}

function defaultPhase(pod: PodSpec, name: string, strategy: string, opts: GenerateOptions, maxConcurrent?: number): PhaseModel {
  const taskNames = pod.tasks.map((t) => t.name);
  const steps = Array.from({ length: pod.count }, (_, i) => deploymentStep(pod, i, taskNames, opts));
  return phaseOf(name, namedPhaseStrategy(strategy, name, steps, undefined, maxConcurrent), opts);
}

/** Task lists per pod index, from `steps:` entries by index or `default` (reference §3.2). */
function taskListsByIndex(phase: PhaseSpec, pod: PodSpec): string[][][] {
  const byKey = new Map<string, string[][]>();
  for (const entry of phase.steps ?? []) {
    const previous = byKey.get(entry.key);
    if (previous) {
      throw new GenerationError(
        `Duplicate key ${entry.key} (attempted merging values ${javaList(previous)} and ${javaList(entry.tasks)}) in phase '${phase.name}'`,
      );
    }
    byKey.set(entry.key, entry.tasks);
  }
  return Array.from({ length: pod.count }, (_, i) => {
    const lists = byKey.get(String(i)) ?? byKey.get('default');
    if (!lists) {
      throw new GenerationError(`Malformed steps in phase '${phase.name}': Missing '${i}' step entry, and no 'default' defined`);
    }
    const unknown = lists.flat().filter((t) => !pod.tasks.some((s) => s.name === t));
    if (unknown.length > 0) {
      throw new GenerationError(
        `Malformed step: step refers to a task that does not exist (phase '${phase.name}', pod '${pod.type}', tasks ${javaList(unknown)})`,
      );
    }
    return lists;
  });
}

function customPhase(phase: PhaseSpec, pod: PodSpec, opts: GenerateOptions): PhaseModel {
  const lists = taskListsByIndex(phase, pod);
  if (phaseStrategyEntry(phase.strategy, phase.name).over !== 'parallel') {
    // Serial types: the strategy runs over the flat step list, one step at a time across pod instances.
    const steps = lists.flatMap((perIndex, i) => perIndex.map((tasks) => deploymentStep(pod, i, tasks, opts)));
    return phaseOf(phase.name, namedPhaseStrategy(phase.strategy, phase.name, steps), opts);
  }
  // Parallel types: each step waits for every earlier step of its own pod instance (reference §3.2).
  const prerequisites: Record<string, string[]> = {};
  const steps = lists.flatMap((perIndex, i) => {
    const podSteps: StepModel[] = [];
    for (const tasks of perIndex) {
      const step = deploymentStep(pod, i, tasks, opts);
      prerequisites[step.id] = podSteps.map((s) => s.id);
      podSteps.push(step);
    }
    return podSteps;
  });
  return phaseOf(phase.name, namedPhaseStrategy(phase.strategy, phase.name, steps, prerequisites, phase.maxConcurrent), opts);
}

function yamlPhase(phase: PhaseSpec, spec: ServiceSpec, opts: GenerateOptions): PhaseModel {
  const pod = spec.pods.find((p) => p.type === phase.pod);
  if (!pod) throw new GenerationError(`Unable to find pod '${phase.pod}' referenced by phase '${phase.name}'`);
  // Absent or empty `steps`: one step per pod instance with all its tasks.
  if (!phase.steps || phase.steps.length === 0) return defaultPhase(pod, phase.name, phase.strategy, opts, phase.maxConcurrent);
  return customPhase(phase, pod, opts);
}

function planStrategy(name: string | undefined, phases: readonly PhaseModel[], plan: string): BasicStrategyModel {
  const entry = (PLAN_STRATEGY_TABLE as Record<string, PlanStrategyEntry | undefined>)[name ?? 'serial'];
  if (entry) return BUILD_OVER[entry.over](phases);
  throw new GenerationError(
    `Unsupported plan strategy '${name}', expected one of: ${javaList(listedStrategyNames(PLAN_STRATEGY_TABLE))} (plan '${plan}')`,
  );
}

function yamlPlan(plan: PlanSpec, spec: ServiceSpec, opts: GenerateOptions, errors: string[]): PlanModel | undefined {
  const phases: PhaseModel[] = [];
  const before = errors.length;
  for (const phase of plan.phases) {
    try {
      phases.push(yamlPhase(phase, spec, opts));
    } catch (e) {
      if (!(e instanceof GenerationError)) throw e;
      errors.push(e.message);
    }
  }
  if (errors.length > before) return undefined;
  try {
    return { name: plan.name, strategy: planStrategy(plan.strategy, phases, plan.name), phases, errors: [] };
  } catch (e) {
    if (!(e instanceof GenerationError)) throw e;
    errors.push(e.message);
    return undefined;
  }
}

/** reference §3.1: one serial phase per pod type, one step per pod instance launching all its tasks. */
function defaultDeployPlan(spec: ServiceSpec, opts: GenerateOptions): PlanModel {
  const phases = spec.pods.map((pod) => defaultPhase(pod, pod.type, 'serial', opts));
  return { name: DEPLOY_PLAN, strategy: BUILD_OVER.serial(phases), phases, errors: [] };
}

/**
 * The deploy and custom plans of a configuration (reference §3.0–§3.3, §3.7): the default deploy plan when the spec
 * has no `plans:`, else the YAML plans, with `update` standing in for `deploy` once the deployment completed.
 * Recovery and decommission plans come from `newRecoveryPlan` and `decommissionPlan`.
 */
export function generatePlans(spec: ServiceSpec, opts: GenerateOptions): GeneratedPlans {
  if (spec.plans.length === 0) return { plans: [defaultDeployPlan(spec, opts)], errors: [] };
  const errors: string[] = [];
  const generated = spec.plans.flatMap((p) => yamlPlan(p, spec, opts, errors) ?? []);
  if (errors.length > 0) return { plans: [], errors };

  const update = generated.find((p) => p.name === UPDATE_PLAN);
  let deploy = generated.find((p) => p.name === DEPLOY_PLAN);
  if (update && opts.deploymentCompleted) {
    // reference §3.3: the update plan's phases and strategy, under the name `deploy`.
    deploy = { ...update, name: DEPLOY_PLAN, errors: [] };
  }
  if (!deploy) {
    return { plans: [], errors: [`No deploy plan provided: ${javaList(generated.map((p) => p.name))}`] };
  }
  const custom = generated
    .filter((p) => p.name !== DEPLOY_PLAN && p.name !== UPDATE_PLAN)
    .map((p) => ({ ...p, strategy: { ...p.strategy, interrupted: true } }));
  return { plans: [deploy, ...custom], errors: [] };
}
