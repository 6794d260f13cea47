import { makeEvent, validateEvent } from '@marshal/contracts';
import { generatePlans } from './plan-generation';
import { toPlanTree } from './plan-tree';
import { newRecoveryPlan, nextRecoveryPlan } from './recovery';
import { decommissionPlan } from './teardown-plans';
import { idGenerator, pod, serviceSpec, task } from './testing';
import type { PlanModel } from '@marshal/contracts';

const meta = { id: 'e1', at: '2026-11-22T10:00:00.000Z', correlationId: 'c1', causationId: null, actor: 'service:plan-manager' };
const helloWorld = serviceSpec([pod('hello', 1, [task('server')]), pod('world', 2, [task('server')])]);

function deploy(initial: (podType: string) => 'PENDING' | 'COMPLETE' = () => 'PENDING'): PlanModel {
  return generatePlans(helloWorld, { deploymentCompleted: false, newId: idGenerator(), initialStatus: (r) => initial(r.podType) }).plans[0];
}

describe('toPlanTree (reference §6.2)', () => {
  it('shows the plan as the API does: statuses, strategy names, requirements', () => {
    expect(toPlanTree(deploy((t) => (t === 'hello' ? 'COMPLETE' : 'PENDING')))).toEqual({
      name: 'deploy',
      strategy: 'serial',
      status: 'IN_PROGRESS',
      errors: [],
      phases: [
        {
          id: 'id-2',
          name: 'hello',
          strategy: 'serial',
          status: 'COMPLETE',
          steps: [{ id: 'id-1', name: 'hello-0:[server]', kind: 'deployment', status: 'COMPLETE', podType: 'hello', podIndex: 0, tasks: ['server'], recoveryType: 'NONE', errors: [] }],
        },
        {
          id: 'id-5',
          name: 'world',
          strategy: 'serial',
          status: 'PENDING',
          steps: [
            { id: 'id-3', name: 'world-0:[server]', kind: 'deployment', status: 'PENDING', podType: 'world', podIndex: 0, tasks: ['server'], recoveryType: 'NONE', errors: [] },
            { id: 'id-4', name: 'world-1:[server]', kind: 'deployment', status: 'PENDING', podType: 'world', podIndex: 1, tasks: ['server'], recoveryType: 'NONE', errors: [] },
          ],
        },
      ],
    });
  });

  it('steps of paused pods show PAUSED/PAUSING, and the tree is a valid PlanGenerated payload', () => {
    const plan = deploy((t) => (t === 'hello' ? 'COMPLETE' : 'PENDING'));
    const tree = toPlanTree(plan, { allTasksPaused: (s) => s.requirement?.podType === 'hello' });
    expect(tree.phases[0].steps[0].status).toBe('PAUSED');
    const event = makeEvent('PlanGenerated', 'service:hello-world', { service: 'hello-world', configId: 'cfg-1', order: 0, model: plan, plan: tree }, meta);
    expect(validateEvent(event)).toBe(event);
  });

  it('a plan’s own and its steps’ errors are listed together', () => {
    const plan = { ...deploy(), errors: ["Field: 'hello.count'; Transition: '1' => '0'; Message: 'too few'; Fatal: false"] };
    const broken = { ...plan, phases: plan.phases.map((p, i) => (i === 1 ? { ...p, steps: p.steps.map((s) => ({ ...s, errors: ['step broke'], status: 'ERROR' as const })) } : p)) };
    const tree = toPlanTree(broken);
    expect(tree.status).toBe('ERROR');
    expect(tree.errors).toEqual(["Field: 'hello.count'; Transition: '1' => '0'; Message: 'too few'; Fatal: false", 'step broke', 'step broke']);
  });

  it('recovery steps carry their recovery type; teardown steps their target and no tasks', () => {
    const recovery = nextRecoveryPlan(newRecoveryPlan(), [{ podType: 'world', podIndex: 1, tasks: ['server'], recoveryType: 'PERMANENT' }], idGenerator('r'));
    expect(toPlanTree(recovery).phases[0].steps[0]).toMatchObject({ kind: 'recovery', name: 'world-1:[server]', recoveryType: 'PERMANENT' });
    const { plan } = decommissionPlan(serviceSpec([pod('world', 1, [task('server')])]), [{ taskName: 'world-1-server', podType: 'world', podIndex: 1, resourceIds: ['r1'] }], idGenerator());
    const steps = toPlanTree(plan as PlanModel).phases[0].steps;
    expect(steps.map((s) => [s.name, s.kind, s.target, s.tasks])).toEqual([
      ['kill-world-1-server', 'kill', 'world-1-server', []],
      ['unreserve-r1', 'unreserve', 'r1', []],
      ['erase-world-1-server', 'erase', 'world-1-server', []],
    ]);
    expect(steps[0]).not.toHaveProperty('podType');
  });
});
