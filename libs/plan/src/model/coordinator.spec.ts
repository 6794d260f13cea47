import { coordinatorCandidates } from './coordinator';
import { requirementsConflict } from '@marshal/contracts';
import { deployStep, parallelPhase, phaseOf, planOf } from './testing';
import type { PlanModel, Requirement, StepModel } from '@marshal/contracts';

const req = (podType: string, podIndex: number, tasks: string[]): Requirement => ({ podType, podIndex, tasks, recoveryType: 'NONE' });

describe('requirement conflicts (reference §1.6.1, §9.3)', () => {
  it.each([
    ['same pod instance, overlapping tasks → conflict', req('pod', 0, ['a', 'b']), req('pod', 0, ['b']), true],
    ['same pod instance, disjoint tasks → no conflict', req('pod', 0, ['b']), req('pod', 0, ['a']), false],
    ['different index, same tasks → no conflict', req('pod', 0, ['a']), req('pod', 1, ['a']), false],
    ['different pod type, same tasks → no conflict', req('pod', 0, ['a']), req('other', 0, ['a']), false],
    ['a requirement conflicts with itself', req('pod', 0, ['a']), req('pod', 0, ['a']), true],
  ] as [string, Requirement, Requirement, boolean][])('%s', (_name, a, b, expected) => {
    expect(requirementsConflict(a, b)).toBe(expected);
    expect(requirementsConflict(b, a)).toBe(expected);
  });
});

const plan = (name: string, steps: StepModel[], opts: { interrupted?: boolean } = {}): PlanModel =>
  planOf(name, [phaseOf(`${name}-phase`, steps)], opts);
const names = (plans: PlanModel[]) => coordinatorCandidates(plans).candidates.map((c) => `${c.plan.name}/${c.step.id}`);

describe('coordinator candidates (reference §2.5, §9.3)', () => {
  it('no plans → error', () => {
    expect(() => coordinatorCandidates([])).toThrow('At least one plan is required');
  });

  it('one proceeding deploy plan → its step; interrupted, or with its only step complete → nothing', () => {
    expect(names([plan('deploy', [deployStep('s0')])])).toEqual(['deploy/s0']);
    expect(names([plan('deploy', [deployStep('s0')], { interrupted: true })])).toEqual([]);
    expect(names([plan('deploy', [deployStep('s0', 'COMPLETE')])])).toEqual([]);
  });

  it('two proceeding plans over disjoint pods → both steps', () => {
    expect(names([plan('a', [deployStep('s0', 'PENDING', { podIndex: 0 })]), plan('b', [deployStep('s1', 'PENDING', { podIndex: 1 })])])).toEqual([
      'a/s0',
      'b/s1',
    ]);
  });

  it('two proceeding plans on the same pod instance and tasks → only the first plan’s step', () => {
    expect(names([plan('a', [deployStep('s0', 'PENDING', { podIndex: 0 })]), plan('b', [deployStep('s1', 'PENDING', { podIndex: 0 })])])).toEqual([
      'a/s0',
    ]);
  });

  it('plan A PENDING, plan B already PREPARED on the same pod → A is blocked, B keeps its asset', () => {
    const a = plan('a', [deployStep('s0', 'PENDING', { podIndex: 0 })]);
    const b = plan('b', [deployStep('s1', 'PREPARED', { podIndex: 0 })]);
    expect(names([a, b])).toEqual(['b/s1']);
  });

  it('an interrupted plan’s dirty assets do not block others', () => {
    const a = plan('a', [deployStep('s0', 'PENDING', { podIndex: 0 })]);
    const b = plan('b', [deployStep('s1', 'PREPARED', { podIndex: 0 })], { interrupted: true });
    expect(names([a, b])).toEqual(['a/s0']);
  });

  it('DELAYED steps are not candidates', () => {
    const p = planOf('deploy', [parallelPhase('p', [deployStep('s0', 'DELAYED'), deployStep('s1')])]);
    const { candidates } = coordinatorCandidates([p], { ctx: { delayActive: () => true } });
    expect(candidates.map((c) => c.step.id)).toEqual(['s1']);
  });

  it('regenerate sees the assets earlier plans just claimed, and its plan is returned', () => {
    const deploy = plan('deploy', [deployStep('s0', 'PENDING', { podIndex: 0 })]);
    const recovery = planOf('recovery', [], { parallel: true });
    const seen: Requirement[][] = [];
    const { candidates, plans } = coordinatorCandidates([deploy, recovery], {
      regenerate: (p, dirty) => {
        if (p.name !== 'recovery') return p;
        seen.push(dirty);
        return planOf('recovery', [phaseOf('r', [{ ...deployStep('r0', 'PENDING', { podIndex: 1 }), kind: 'recovery' }])], { parallel: true });
      },
    });
    expect(seen).toEqual([[deploy.phases[0].steps[0].requirement]]);
    expect(candidates.map((c) => `${c.plan.name}/${c.step.id}`)).toEqual(['deploy/s0', 'recovery/r0']);
    expect(plans[1].phases).toHaveLength(1);
  });

  it('a plan keeps working on its own in-flight asset', () => {
    const a = planOf('a', [parallelPhase('p', [deployStep('s0', 'PREPARED', { podIndex: 0 }), deployStep('s1', 'PENDING', { podIndex: 1 })])]);
    expect(names([a])).toEqual(['a/s0', 'a/s1']);
  });
});
