import { interruptPhase, isEligible, phaseCandidates, proceedPhase } from './plan-status';
import { forceCompleteStep, restartStep } from './step-lifecycle';
import {
  canaryStrategy,
  dependencyStrategy,
  parallelStrategy,
  randomStrategy,
  serialStrategy,
  strategyName,
} from './strategy';
import { deployStep, phaseOf } from './testing';
import type { BasicStrategyModel, PhaseModel, Requirement, StepModel } from '@marshal/contracts';

/** Steps s0…s(n-1), each on its own pod instance. */
const pendingSteps = (n: number) => Array.from({ length: n }, (_, i) => deployStep(`s${i}`));
const complete = (phase: PhaseModel, ...ids: string[]): PhaseModel => ({
  ...phase,
  steps: phase.steps.map((s) => (ids.includes(s.id) ? { ...s, status: 'COMPLETE' } : s)),
});
const candidates = (phase: PhaseModel, dirty: Requirement[] = []) => phaseCandidates(phase, dirty).map((s) => s.id);
const requirementOf = (phase: PhaseModel, id: string) => phase.steps.find((s) => s.id === id)?.requirement as Requirement;

function canaryPhase(inner: (steps: StepModel[]) => BasicStrategyModel, steps: StepModel[], requiredProceeds?: number): PhaseModel {
  const canary = canaryStrategy(inner(steps), steps, {}, requiredProceeds);
  return phaseOf('canary', canary.steps, canary.strategy);
}

describe('eligibility (reference §2.1, §9.2)', () => {
  const step = deployStep('s0');

  it('a pending step with no dirty assets is eligible; with its own requirement dirty it is not', () => {
    expect(isEligible(step, [])).toBe(true);
    expect(isEligible(step, [step.requirement as Requirement])).toBe(false);
  });

  it('interrupt() → not eligible, proceed() → eligible again', () => {
    expect(isEligible({ ...step, interrupted: true }, [])).toBe(false);
    expect(isEligible({ ...step, interrupted: false }, [])).toBe(true);
  });

  it('forceComplete() → not eligible, restart() → eligible again', () => {
    const done = forceCompleteStep(step);
    expect(isEligible(done, [])).toBe(false);
    expect(isEligible(restartStep(done), [])).toBe(true);
  });

  it('a step whose requirement shares no task with the dirty assets stays eligible', () => {
    const other: Requirement = { ...(step.requirement as Requirement), tasks: ['other'] };
    expect(isEligible(step, [other])).toBe(true);
  });
});

describe('serial strategy (reference §2.2, §9.2)', () => {
  it('over three pending steps: [s0]; s0 complete → [s1]; s1 complete → [s2]; all complete → []', () => {
    let phase = phaseOf('p', pendingSteps(3));
    expect(candidates(phase)).toEqual(['s0']);
    phase = complete(phase, 's0');
    expect(candidates(phase)).toEqual(['s1']);
    phase = complete(phase, 's1');
    expect(candidates(phase)).toEqual(['s2']);
    phase = complete(phase, 's2');
    expect(candidates(phase)).toEqual([]);
  });

  it('middle complete: s1 complete first → still [s0]; then s0 complete → [s2]', () => {
    let phase = complete(phaseOf('p', pendingSteps(3)), 's1');
    expect(candidates(phase)).toEqual(['s0']);
    phase = complete(phase, 's0');
    expect(candidates(phase)).toEqual(['s2']);
  });

  it('interrupt/proceed: [] while interrupted; proceed → [s0]; interrupt, s0 complete → []; proceed → [s1]', () => {
    let phase = interruptPhase(phaseOf('p', pendingSteps(3)));
    expect(candidates(phase)).toEqual([]);
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s0']);
    phase = complete(interruptPhase(phase), 's0');
    expect(candidates(phase)).toEqual([]);
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s1']);
    phase = complete(phase, 's1');
    expect(candidates(phase)).toEqual(['s2']);
  });

  it('a child complete when the strategy was built and later restarted runs beside the serial head', () => {
    const steps = [deployStep('s0', 'COMPLETE'), deployStep('s1'), deployStep('s2')];
    const phase = phaseOf('p', steps);
    const restarted = { ...phase, steps: phase.steps.map((s) => (s.id === 's0' ? restartStep(s) : s)) };
    expect(candidates(restarted)).toEqual(['s0', 's1']);
  });

  it('an ERROR or interrupted head blocks the steps after it', () => {
    expect(candidates(phaseOf('p', [deployStep('s0', 'ERROR'), deployStep('s1')]))).toEqual([]);
    expect(candidates(phaseOf('p', [deployStep('s0', 'PENDING', { interrupted: true }), deployStep('s1')]))).toEqual([]);
  });
});

describe('parallel strategy (reference §9.2)', () => {
  it('over three pending steps: 3 candidates, then 2, then [s2], then none', () => {
    let phase = phaseOf('p', pendingSteps(3), parallelStrategy());
    expect(candidates(phase)).toEqual(['s0', 's1', 's2']);
    phase = complete(phase, 's0');
    expect(candidates(phase)).toEqual(['s1', 's2']);
    phase = complete(phase, 's1');
    expect(candidates(phase)).toEqual(['s2']);
    phase = complete(phase, 's2');
    expect(candidates(phase)).toEqual([]);
  });

  it('interrupt → []; proceed → all incomplete steps; interrupting a fully complete set → []', () => {
    let phase = complete(phaseOf('p', pendingSteps(3), parallelStrategy()), 's1');
    phase = interruptPhase(phase);
    expect(candidates(phase)).toEqual([]);
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s0', 's2']);
    expect(candidates(interruptPhase(complete(phase, 's0', 's2')))).toEqual([]);
  });
});

describe('random strategy (reference §9.2)', () => {
  const random = (steps: StepModel[]) => phaseOf('p', steps, randomStrategy());

  it.each([
    ['no steps → []', [], 0],
    ['one pending step → one candidate', [deployStep('s0')], 1],
    ['one complete step → []', [deployStep('s0', 'COMPLETE')], 0],
    ['two pending steps → one candidate', pendingSteps(2), 1],
    ['two complete steps → []', [deployStep('s0', 'COMPLETE'), deployStep('s1', 'COMPLETE')], 0],
  ] as [string, StepModel[], number][])('%s', (_name, steps, count) => {
    expect(candidates(random(steps))).toHaveLength(count);
  });

  it('picks with the injected random source', () => {
    const phase = random(pendingSteps(3));
    expect(phaseCandidates(phase, [], { random: () => 0.5 }).map((s) => s.id)).toEqual(['s1']);
    expect(phaseCandidates(phase, [], { random: () => 0.99 }).map((s) => s.id)).toEqual(['s2']);
  });
});

describe('dependency strategy', () => {
  it('a step is a candidate once all its listed prerequisites are complete', () => {
    const steps = pendingSteps(3);
    let phase = phaseOf('p', steps, dependencyStrategy({ s1: ['s0'], s2: ['s0', 's1'] }));
    expect(candidates(phase)).toEqual(['s0']);
    phase = complete(phase, 's0');
    expect(candidates(phase)).toEqual(['s1']);
  });
});

describe('canary strategy (reference §2.2, §9.2)', () => {
  it('serial-canary: nothing until proceed; [s0]; s0 complete → []; 2nd proceed → [s1]; then serial without intervention', () => {
    let phase = canaryPhase(serialStrategy, pendingSteps(5));
    expect(strategyName(phase.strategy)).toBe('serial-canary');
    expect(candidates(phase)).toEqual([]);
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s0']);
    phase = complete(phase, 's0');
    expect(candidates(phase)).toEqual([]);
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s1']);
    for (const [done, next] of [['s1', ['s2']], ['s2', ['s3']], ['s3', ['s4']], ['s4', []]] as const) {
      phase = complete(phase, done);
      expect(candidates(phase)).toEqual(next);
    }
  });

  it('serial-canary with 3 required proceeds: [s0], [s1], [s2], then automatic', () => {
    let phase = canaryPhase(serialStrategy, pendingSteps(5), 3);
    for (const id of ['s0', 's1', 's2']) {
      expect(candidates(phase)).toEqual([]);
      phase = proceedPhase(phase);
      expect(candidates(phase)).toEqual([id]);
      phase = complete(phase, id);
    }
    expect(candidates(phase)).toEqual(['s3']);
    phase = complete(phase, 's3');
    expect(candidates(phase)).toEqual(['s4']);
  });

  it('parallel-canary: [s0]; s0 complete → []; 2nd proceed → {s1,s2,s3,s4}; s2 and s4 complete → {s1,s3}', () => {
    let phase = canaryPhase(() => parallelStrategy(), pendingSteps(5));
    expect(strategyName(phase.strategy)).toBe('parallel-canary');
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s0']);
    phase = complete(phase, 's0');
    expect(candidates(phase)).toEqual([]);
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s1', 's2', 's3', 's4']);
    phase = complete(phase, 's2', 's4');
    expect(candidates(phase)).toEqual(['s1', 's3']);
  });

  it('parallel-canary with 3 proceeds: [s0], then [s1], then {s2,s3,s4}', () => {
    let phase = canaryPhase(() => parallelStrategy(), pendingSteps(5), 3);
    phase = complete(proceedPhase(phase), 's0');
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s1']);
    phase = proceedPhase(complete(phase, 's1'));
    expect(candidates(phase)).toEqual(['s2', 's3', 's4']);
  });

  it('interrupts during the canary window are ignored; afterwards they reach the wrapped serial strategy', () => {
    let phase = interruptPhase(canaryPhase(serialStrategy, pendingSteps(5)));
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s0']);
    phase = interruptPhase(complete(phase, 's0'));
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s1']);
    phase = complete(interruptPhase(phase), 's1');
    expect(candidates(phase)).toEqual([]);
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s2']);
  });

  it('steps complete at construction are skipped and consume no proceed: [s1], then [s3], then [s4]', () => {
    const steps = pendingSteps(5).map((s) => (s.id === 's0' || s.id === 's2' ? { ...s, status: 'COMPLETE' as const } : s));
    let phase = canaryPhase(serialStrategy, steps);
    expect(candidates(phase)).toEqual([]);
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s1']);
    phase = complete(phase, 's1');
    expect(candidates(phase)).toEqual([]);
    phase = proceedPhase(phase);
    expect(candidates(phase)).toEqual(['s3']);
    phase = complete(phase, 's3');
    expect(candidates(phase)).toEqual(['s4']);
  });

  it('dirty assets are respected: after proceed 1, s0 dirty → []; the other pods dirty → [s0]', () => {
    const phase = proceedPhase(canaryPhase(serialStrategy, pendingSteps(5)));
    expect(candidates(phase, [requirementOf(phase, 's0')])).toEqual([]);
    expect(candidates(phase, ['s1', 's2', 's3', 's4'].map((id) => requirementOf(phase, id)))).toEqual(['s0']);
  });

  it('single step: proceed → [s0]; complete → []. Zero steps: always []', () => {
    let single = canaryPhase(serialStrategy, pendingSteps(1));
    expect(candidates(single)).toEqual([]);
    single = proceedPhase(single);
    expect(candidates(single)).toEqual(['s0']);
    expect(candidates(complete(single, 's0'))).toEqual([]);
    const empty = canaryPhase(serialStrategy, []);
    expect(candidates(empty)).toEqual([]);
    expect(candidates(proceedPhase(empty))).toEqual([]);
  });
});
