import type { PlanModel, ServiceSpec } from '@marshal/contracts';
import { applyPlanCommand } from '../model/plan-commands';
import { pod, serviceSpec, task } from '../model/testing';
import { acceptedOrThrow } from './decision';
import type { PlanCommand } from './service.commands';
import { decide } from './service.decider';
import { planContext } from './service.queries';
import { evolvePlan } from './service-state';
import { Log, SERVICE, transitions } from './testing';

/** deploy: a serial-canary phase over 4 hello pods and a parallel-canary phase over 2 world pods; a custom plan. */
const canarySpec = (): ServiceSpec => ({
  ...serviceSpec(
    [pod('hello', 4, [task('server')]), pod('world', 2, [task('server')]), pod('side', 2, [task('once', { goal: 'ONCE' })])],
    [
      {
        name: 'deploy',
        strategy: 'serial',
        phases: [
          { name: 'hello-deploy', pod: 'hello', strategy: 'serial-canary' },
          { name: 'world-deploy', pod: 'world', strategy: 'parallel-canary' },
        ],
      },
      { name: 'sidecar', strategy: 'serial', phases: [{ name: 'sidecar-deploy', pod: 'side', strategy: 'parallel', steps: [{ key: 'default', tasks: [['once']] }] }] },
    ],
  ),
  name: SERVICE,
});

function installed(): Log {
  const log = new Log();
  log.accept(canarySpec(), 'cfg-1');
  return log;
}

const plan = (log: Log, name: string): PlanModel => {
  const p = log.state.plans.find((x) => x.name === name);
  if (!p) throw new Error(`no plan ${name}`);
  return p;
};

/** Commands and the state they run in; each must fold back to what the pure model computes. */
const CASES: [string, (log: Log) => void, PlanCommand][] = [
  ['start sidecar with parameters', () => undefined, { plan: 'sidecar', action: 'start', parameters: { PLAN_PARAMETER: 'parameterized' } }],
  ['start a COMPLETE plan restarts it', (log) => { log.plan({ plan: 'sidecar', action: 'start' }); log.converge(); }, { plan: 'sidecar', action: 'start', parameters: { A: '1' } }],
  ['stop sidecar (interrupt + restart)', (log) => { log.plan({ plan: 'sidecar', action: 'start' }); log.cycle(); }, { plan: 'sidecar', action: 'stop' }],
  ['interrupt deploy', () => undefined, { plan: 'deploy', action: 'interrupt' }],
  ['continue deploy after an interrupt', (log) => log.plan({ plan: 'deploy', action: 'interrupt' }), { plan: 'deploy', action: 'continue' }],
  ['continue hello-deploy releases the first canary step', () => undefined, { plan: 'deploy', action: 'continue', phase: 'hello-deploy' }],
  ['a second continue releases the second canary step', (log) => { log.plan({ plan: 'deploy', action: 'continue', phase: 'hello-deploy' }); log.converge(); }, { plan: 'deploy', action: 'continue', phase: 'hello-deploy' }],
  [
    'interrupt hello-deploy after its canary reaches the inner strategy',
    (log) => {
      log.plan({ plan: 'deploy', action: 'continue', phase: 'hello-deploy' });
      log.converge();
      log.plan({ plan: 'deploy', action: 'continue', phase: 'hello-deploy' });
    },
    { plan: 'deploy', action: 'interrupt', phase: 'hello-deploy' },
  ],
  ['forceComplete a step by name', () => undefined, { plan: 'deploy', action: 'forceComplete', phase: 'hello-deploy', step: 'hello-0:[server]' }],
  ['forceComplete a phase', () => undefined, { plan: 'deploy', action: 'forceComplete', phase: 'world-deploy' }],
  ['forceComplete the plan', () => undefined, { plan: 'deploy', action: 'forceComplete' }],
  ['restart an interrupted canary step (proceed + restart)', (log) => log.plan({ plan: 'deploy', action: 'forceComplete', phase: 'hello-deploy', step: 'hello-0:[server]' }), { plan: 'deploy', action: 'restart', phase: 'hello-deploy', step: 'hello-1:[server]' }],
  ['restart a phase', (log) => log.plan({ plan: 'deploy', action: 'forceComplete', phase: 'hello-deploy' }), { plan: 'deploy', action: 'restart', phase: 'hello-deploy' }],
  ['restart the plan', (log) => log.plan({ plan: 'deploy', action: 'forceComplete' }), { plan: 'deploy', action: 'restart' }],
];

describe('operator plan commands become events that rebuild the plan exactly (reference §6.2, §9.10)', () => {
  it.each(CASES)('%s: fold(before, events) equals the model after the command', (_name, given, cmd) => {
    const log = installed();
    given(log);
    const before = plan(log, cmd.plan);
    const expected = applyPlanCommand(before, cmd, planContext(log.state, log.now));
    expect(expected.outcome.code).toBe('OK');
    const { decision } = acceptedOrThrow(decide(log.state, { type: 'ApplyPlanCommand', command: cmd }, log.ctx(log.actor)));
    expect(decision.plan.reduce(evolvePlan, before)).toEqual(expected.plan);
    log.plan(cmd);
    expect(plan(log, cmd.plan)).toEqual(expected.plan);
    expect(log.replay()).toEqual(log.state);
  });

  it('records the operator as the actor and the command as the reason of step changes', () => {
    const log = installed();
    const { events } = log.plan({ plan: 'deploy', action: 'forceComplete', phase: 'hello-deploy', step: 'hello-0:[server]' });
    const [changed] = log.ofType(events, 'StepStatusChanged');
    expect(changed.actor).toBe('operator:alice');
    expect(changed.data).toMatchObject({ step: 'hello-0:[server]', from: 'PENDING', to: 'COMPLETE', reason: 'forceComplete (phase hello-deploy, step hello-0:[server]) by operator:alice' });
  });

  it.each([
    ['continue on a running plan', { plan: 'sidecar', action: 'continue' } as PlanCommand, 'ALREADY_REPORTED', 'Command has already been reported or completed'],
    ['interrupt on an interrupted plan', { plan: 'deploy', action: 'interrupt' } as PlanCommand, 'ALREADY_REPORTED', 'Command has already been reported or completed'],
    ['an unknown plan', { plan: 'nope', action: 'stop' } as PlanCommand, 'NOT_FOUND', 'Plan nope not found'],
    ['an unknown phase', { plan: 'deploy', action: 'continue', phase: 'nope' } as PlanCommand, 'NOT_FOUND', 'Phase nope not found'],
    ['an unknown step', { plan: 'deploy', action: 'restart', phase: 'hello-deploy', step: 'nope' } as PlanCommand, 'NOT_FOUND', 'Step nope not found'],
    ['a step without phase', { plan: 'deploy', action: 'forceComplete', step: 'x' } as PlanCommand, 'INVALID_ARGUMENT', 'Missing phase'],
    ['a bad parameter name', { plan: 'sidecar', action: 'start', parameters: { 'not-valid-envname': 'x' } } as PlanCommand, 'INVALID_ARGUMENT', "Couldn't parse parameters: not-valid-envname is not a valid environment variable name"],
  ])('%s answers %s and appends nothing', (_name, cmd, code, message) => {
    const log = installed();
    // sidecar runs its steps; deploy is interrupted.
    log.plan({ plan: 'deploy', action: 'interrupt' });
    log.plan({ plan: 'sidecar', action: 'start' });
    log.cycle();
    const before = log.events.length;
    const r = log.plan(cmd);
    expect({ code: r.code, message: r.message }).toEqual({ code, message });
    expect(log.events.length).toBe(before);
  });

  it('a command the original accepts without effect answers OK and appends nothing (reference §10.3 quirk 16)', () => {
    const log = installed();
    const before = log.events.length;
    // deploy shows WAITING only because of its canary phase: continue without a phase changes nothing.
    const r = log.plan({ plan: 'deploy', action: 'continue' });
    expect(r).toMatchObject({ code: 'OK', message: 'Received cmd: continue', events: [] });
    expect(log.events.length).toBe(before);
  });

  it('a restart clears the back-off delay of the step tasks (reference §1.5, §1.6.3)', () => {
    const log = new Log();
    log.accept({ ...serviceSpec([pod('hello', 1, [task('server')])]), name: SERVICE }, 'cfg-1', { env: { ENABLE_BACKOFF: 'true' } });
    log.cycle();
    log.status('hello-0-server', 'TASK_FAILED');
    expect(log.tree('deploy').steps).toEqual(['hello-0:[server]=DELAYED']);
    expect(log.candidates()).toEqual([]);
    const { events } = log.plan({ plan: 'deploy', action: 'restart', phase: 'hello', step: 'hello-0:[server]' });
    expect(log.ofType(events, 'TaskDelaysCleared').map((e) => e.data.tasks)).toEqual([['hello-0-server']]);
    expect(transitions(events)).toEqual(['deploy/hello-0:[server]: DELAYED → PENDING']);
    expect(log.candidates().map((c) => c.step)).toEqual(['hello-0:[server]']);
  });
});

describe('the canary example as a sequence of operator commands (reference §2.2)', () => {
  it('holds after the first step until one continue of the phase, and the rest until a second', () => {
    const log = installed();
    expect(log.tree('deploy')).toMatchObject({ status: 'WAITING', phases: ['hello-deploy=WAITING', 'world-deploy=WAITING'] });
    expect(log.candidates()).toEqual([]);
    log.plan({ plan: 'deploy', action: 'continue', phase: 'hello-deploy' });
    log.converge();
    expect(log.tree('deploy').steps.slice(0, 4)).toEqual(['hello-0:[server]=COMPLETE', 'hello-1:[server]=WAITING', 'hello-2:[server]=PENDING', 'hello-3:[server]=PENDING']);
    expect(log.tree('deploy').phases[0]).toBe('hello-deploy=WAITING');
    log.plan({ plan: 'deploy', action: 'continue', phase: 'hello-deploy' });
    log.converge();
    expect(log.tree('deploy').phases).toEqual(['hello-deploy=COMPLETE', 'world-deploy=WAITING']);
    log.plan({ plan: 'deploy', action: 'continue', phase: 'world-deploy' });
    log.converge();
    expect(log.tree('deploy').steps.slice(4)).toEqual(['world-0:[server]=COMPLETE', 'world-1:[server]=WAITING']);
    log.plan({ plan: 'deploy', action: 'continue', phase: 'world-deploy' });
    log.converge();
    expect(log.tree('deploy').status).toBe('COMPLETE');
    expect(log.replay()).toEqual(log.state);
  });
});

describe('custom plans with parameters (reference §3.7)', () => {
  it('are created interrupted; start sets parameters that reach the candidates, stop interrupts and restarts', () => {
    const log = installed();
    log.plan({ plan: 'deploy', action: 'forceComplete' });
    expect(log.tree('sidecar')).toMatchObject({ status: 'WAITING' });
    expect(log.candidates()).toEqual([]);
    log.plan({ plan: 'sidecar', action: 'start', parameters: { PLAN_PARAMETER: 'parameterized' } });
    expect(log.candidates().map((c) => [c.step, c.environment])).toEqual([
      ['side-0:[once]', { PLAN_PARAMETER: 'parameterized' }],
      ['side-1:[once]', { PLAN_PARAMETER: 'parameterized' }],
    ]);
    log.converge();
    expect(log.tree('sidecar').status).toBe('COMPLETE');
    expect(log.state.tasks['side-1-once'].lastState).toBe('TASK_FINISHED');
    const stopped = log.plan({ plan: 'sidecar', action: 'stop' });
    expect(stopped.message).toBe('Received cmd: stop');
    expect(log.tree('sidecar')).toMatchObject({ status: 'WAITING', steps: ['side-0:[once]=PENDING', 'side-1:[once]=PENDING'] });
    expect(log.candidates()).toEqual([]);
  });
});
