/** What `GET /v1/debug/plans` needs of a plan (the API's view, with step errors). */
export interface DebugPlanInput {
  name: string;
  status: string;
  strategy: string;
  phases: { name: string; status: string; strategy: string; steps: { name: string; status: string; errors: string[] }[] }[];
}

export interface DebugPlansFilter {
  plan?: string;
  phase?: string;
  step?: string;
}

export type DebugPlansResult =
  | { 'invalid-input': string }
  | {
      schedulerState: 'RUNNING' | 'DEPLOYED' | 'DEPLOYING' | 'RECOVERING' | 'DECOMMISSIONING';
      activePlans: string[];
      plans: (DebugPlanInput & { totalSteps: number; completedSteps: number })[];
      serviceTopology: { name: string; type: 'plan'; children: { name: string; type: 'phase'; children: { name: string; type: 'step' }[] }[] }[];
    };

const RUNNING = new Set(['PREPARED', 'STARTING', 'STARTED', 'IN_PROGRESS', 'PENDING']);
const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * The plans debug summary (reference §6.8): scheduler state (DECOMMISSIONING > RECOVERING > DEPLOYED > DEPLOYING >
 * RUNNING), running plans, per-plan step counts, and the topology; filters match names case-insensitively, and bad
 * combinations answer `invalid-input` with the original's reasons.
 */
export function debugPlans(plans: DebugPlanInput[], filter: DebugPlansFilter, deploymentCompleted: boolean): DebugPlansResult {
  if (filter.step && (!filter.phase || !filter.plan)) return { 'invalid-input': 'Step specified without parent Phase and Plan values.' };
  if (filter.phase && !filter.plan) return { 'invalid-input': 'Phase specified without parent Plan.' };
  let selected = plans;
  if (filter.plan) {
    selected = plans.filter((p) => eq(p.name, filter.plan as string));
    if (!selected.length) return { 'invalid-input': 'Supplied plan not found in list of all available plans!' };
  }
  if (filter.phase) {
    selected = selected.map((p) => ({ ...p, phases: p.phases.filter((ph) => eq(ph.name, filter.phase as string)) }));
    if (!selected.some((p) => p.phases.length)) return { 'invalid-input': 'Supplied phase not found in list of all available phases for the plan!' };
  }
  if (filter.step) {
    selected = selected.map((p) => ({ ...p, phases: p.phases.map((ph) => ({ ...ph, steps: ph.steps.filter((s) => eq(s.name, filter.step as string)) })) }));
    if (!selected.some((p) => p.phases.some((ph) => ph.steps.length))) return { 'invalid-input': 'Supplied step not found in list of all available steps for the phase!' };
  }
  const active = plans.filter((p) => RUNNING.has(p.status)).map((p) => p.name);
  const has = (name: string): boolean => active.includes(name);
  const schedulerState = has('decommission') ? 'DECOMMISSIONING' : has('recovery') ? 'RECOVERING' : deploymentCompleted ? 'DEPLOYED' : has('deploy') ? 'DEPLOYING' : 'RUNNING';
  return {
    schedulerState,
    activePlans: active,
    plans: selected.map((p) => {
      const steps = p.phases.flatMap((ph) => ph.steps);
      return { ...p, totalSteps: steps.length, completedSteps: steps.filter((s) => s.status === 'COMPLETE').length };
    }),
    serviceTopology: selected.map((p) => ({
      name: p.name,
      type: 'plan' as const,
      children: p.phases.map((ph) => ({ name: ph.name, type: 'phase' as const, children: ph.steps.map((s) => ({ name: s.name, type: 'step' as const })) })),
    })),
  };
}
