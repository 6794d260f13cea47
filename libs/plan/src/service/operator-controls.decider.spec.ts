import type { ServiceSpec } from '@marshal/contracts';
import { pod, serviceSpec, task } from '../model/testing';
import { deciderSpecification } from './decider-specification';
import { Log, SERVICE, transitions } from './testing';

const helloSpec = (count: number): ServiceSpec => ({ ...serviceSpec([pod('hello', count, [task('server')])]), name: SERVICE });

/** Deploy's operator controls on a plan (other-systems §1a.7), as given events / when command / then events. */
describe('skip: a step is passed over and shown SKIPPED, distinct from force-complete', () => {
  const spec = (log: Log) => deciderSpecification(() => log.ctx(log.actor));
  const installed = (count = 2): Log => {
    const log = new Log();
    log.accept(helloSpec(count), 'cfg-1');
    return log;
  };
  const stepId = (log: Log, name: string): string => {
    const s = log.state.plans[0].phases[0].steps.find((x) => x.name === name);
    if (!s) throw new Error(`no step ${name}`);
    return s.id;
  };

  it('given a pending serial phase, when skip the first step, then one StepStatusChanged to COMPLETE marked skipped', () => {
    const log = installed();
    spec(log)
      .given(log.events)
      .when({ type: 'ApplyPlanCommand', command: { plan: 'deploy', action: 'skip', phase: 'hello', step: 'hello-0:[server]' } })
      .then([
        {
          type: 'StepStatusChanged',
          data: {
            service: SERVICE,
            plan: 'deploy',
            phaseId: log.state.plans[0].phases[0].id,
            phase: 'hello',
            stepId: stepId(log, 'hello-0:[server]'),
            step: 'hello-0:[server]',
            from: 'PENDING',
            to: 'COMPLETE',
            reason: 'skip (phase hello, step hello-0:[server]) by operator:alice',
            launched: [],
            prepared: false,
            errors: [],
            skipped: true,
          },
        },
      ]);
  });

  it('the skipped step shows SKIPPED, the serial strategy passes over it, and a replay rebuilds it', () => {
    const log = installed();
    expect(log.plan({ plan: 'deploy', action: 'skip', phase: 'hello', step: 'hello-0:[server]' }).code).toBe('OK');
    expect(log.tree('deploy').steps).toEqual(['hello-0:[server]=SKIPPED', 'hello-1:[server]=PENDING']);
    expect(log.candidates().map((c) => c.step)).toEqual(['hello-1:[server]']);
    log.converge();
    expect(log.tree('deploy')).toMatchObject({ status: 'COMPLETE', steps: ['hello-0:[server]=SKIPPED', 'hello-1:[server]=COMPLETE'] });
    // Nothing was launched for the skipped pod.
    expect(Object.keys(log.state.tasks)).toEqual(['hello-1-server']);
    expect(log.replay()).toEqual(log.state);
  });

  it('force-complete shows COMPLETE, not SKIPPED', () => {
    const log = installed();
    log.plan({ plan: 'deploy', action: 'forceComplete', phase: 'hello', step: 'hello-0:[server]' });
    expect(log.tree('deploy').steps[0]).toBe('hello-0:[server]=COMPLETE');
  });

  it('a second skip is ALREADY_REPORTED; a completed or in-progress step cannot be skipped; a skip names one step', () => {
    const log = installed();
    log.plan({ plan: 'deploy', action: 'skip', phase: 'hello', step: 'hello-0:[server]' });
    const when = spec(log).given(log.events).when;
    when({ type: 'ApplyPlanCommand', command: { plan: 'deploy', action: 'skip', phase: 'hello', step: 'hello-0:[server]' } }).thenRejects('ALREADY_REPORTED');
    when({ type: 'ApplyPlanCommand', command: { plan: 'deploy', action: 'skip', phase: 'hello' } }).thenRejects('INVALID_ARGUMENT', 'Missing step');
    when({ type: 'ApplyPlanCommand', command: { plan: 'deploy', action: 'skip', phase: 'hello', step: 'hello-9:[server]' } }).thenRejects('NOT_FOUND', 'Step hello-9:[server] not found');
    log.cycle();
    expect(log.tree('deploy').steps[1]).toBe('hello-1:[server]=STARTING');
    spec(log)
      .given(log.events)
      .when({ type: 'ApplyPlanCommand', command: { plan: 'deploy', action: 'skip', phase: 'hello', step: 'hello-1:[server]' } })
      .thenRejects('INVALID_ARGUMENT', 'Step hello-1:[server] is STARTING; only a pending, waiting, delayed or failed step can be skipped');
    log.runAll();
    spec(log)
      .given(log.events)
      .when({ type: 'ApplyPlanCommand', command: { plan: 'deploy', action: 'skip', phase: 'hello', step: 'hello-1:[server]' } })
      .thenRejects('INVALID_ARGUMENT', 'Step hello-1:[server] is COMPLETE; only a pending, waiting, delayed or failed step can be skipped');
  });

  it('a failed (DELAYED) step is skipped; statuses of the task it had launched no longer move it', () => {
    const log = installed(1);
    log.cycle();
    log.status('hello-0-server', 'TASK_FAILED');
    expect(log.state.plans[0].phases[0].steps[0].status).toBe('DELAYED');
    expect(log.plan({ plan: 'deploy', action: 'skip', phase: 'hello', step: 'hello-0:[server]' }).code).toBe('OK');
    expect(transitions(log.status('hello-0-server', 'TASK_RUNNING'))).toEqual([]);
    expect(log.tree('deploy')).toMatchObject({ status: 'COMPLETE', steps: ['hello-0:[server]=SKIPPED'] });
  });

  it('restarting a skipped step clears the mark: PENDING again, then deployed', () => {
    const log = installed(1);
    log.plan({ plan: 'deploy', action: 'skip', phase: 'hello', step: 'hello-0:[server]' });
    const out = log.plan({ plan: 'deploy', action: 'restart', phase: 'hello', step: 'hello-0:[server]' });
    expect(transitions(out.events)).toEqual(['deploy/hello-0:[server]: COMPLETE → PENDING']);
    expect(log.tree('deploy').steps).toEqual(['hello-0:[server]=PENDING']);
    log.converge();
    expect(log.tree('deploy').steps).toEqual(['hello-0:[server]=COMPLETE']);
    expect(log.replay()).toEqual(log.state);
  });
});
