import type { AuditEvent, PlanBody } from '@marshal/contracts';
import { useEffect, useState } from 'preact/hooks';
import { api, type Route } from '../api';
import { confirmAction, ErrorLine, Progress, Status, VirtualList } from '../components';
import { duration, shortTime } from '../format';
import { useLive } from '../live';
import { may, type Role } from '../session';

type Phase = PlanBody['phases'][number];
type Step = Phase['steps'][number];
type PlanAction = 'continue' | 'interrupt' | 'forceComplete' | 'restart' | 'stop';

const ACTION_ROUTES: Record<PlanAction, Route> = {
  continue: 'POST /v1/plans/{plan}/continue',
  interrupt: 'POST /v1/plans/{plan}/interrupt',
  forceComplete: 'POST /v1/plans/{plan}/forceComplete',
  restart: 'POST /v1/plans/{plan}/restart',
  stop: 'POST /v1/plans/{plan}/stop',
};
/** Actions that throw work away or skip it: asked again in a dialog. */
const DESTRUCTIVE = new Set<PlanAction>(['forceComplete', 'restart', 'stop']);
const LABEL: Record<PlanAction, string> = { continue: 'Continue', interrupt: 'Interrupt', forceComplete: 'Force complete', restart: 'Restart', stop: 'Stop' };

/** A phase with more steps than this is drawn as a virtualised list. */
const VIRTUAL_FROM = 60;
const ROW = 30;

export interface CommandOutcome {
  text: string;
  error: boolean;
}

async function runPlanAction(service: string, plan: string, action: PlanAction, target: { phase?: string; step?: string; what: string }): Promise<CommandOutcome> {
  if (DESTRUCTIVE.has(action) && !(await confirmAction(`${LABEL[action]} ${target.what} of plan ${plan} of ${service}?`))) return { text: 'Cancelled', error: false };
  try {
    const r = await api.call(ACTION_ROUTES[action], { service, params: { plan }, query: { phase: target.phase, step: target.step } });
    return { text: (r.body as { message: string }).message, error: false };
  } catch (e) {
    return { text: (e as Error).message, error: true };
  }
}

function countSteps(plan: PlanBody): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const ph of plan.phases) for (const st of ph.steps) {
    total++;
    if (st.status === 'COMPLETE') done++;
  }
  return { done, total };
}

function Actions({ actions, onRun, label }: { actions: PlanAction[]; onRun: (a: PlanAction) => void; label: string }) {
  return (
    <span class="actions" role="group" aria-label={`actions on ${label}`}>
      {actions.map((a) => (
        <button key={a} class={DESTRUCTIVE.has(a) ? 'act danger' : 'act'} data-action={a} onClick={() => onRun(a)}>
          {LABEL[a]}
        </button>
      ))}
    </span>
  );
}

function StepRow({ step, canAct, onRun }: { step: Step; canAct: boolean; onRun: (a: PlanAction, step: Step) => void }) {
  return (
    <div class="step" data-testid="step" data-step={step.name} data-status={step.status}>
      <span class="step-name">{step.name}</span>
      <Status status={step.status} />
      <span class="times" title={`started ${step.startedAt ?? '-'}, completed ${step.completedAt ?? '-'}`}>
        {step.startedAt ? `${shortTime(step.startedAt)} · ${duration(step.startedAt, step.completedAt)}` : ''}
      </span>
      {step.message ? <span class="message">{step.message}</span> : null}
      {canAct ? <Actions label={`step ${step.name}`} actions={['forceComplete', 'restart']} onRun={(a) => onRun(a, step)} /> : null}
    </div>
  );
}

function PhaseView({ phase, canAct, onRun }: { phase: Phase; canAct: boolean; onRun: (a: PlanAction, phase: Phase, step?: Step) => void }) {
  const done = phase.steps.filter((s) => s.status === 'COMPLETE').length;
  return (
    <li class="phase" data-testid="phase" data-phase={phase.name} data-status={phase.status}>
      <div class="phase-head">
        <strong>{phase.name}</strong> <span class="strategy">{phase.strategy} strategy</span> <Status status={phase.status} />
        <Progress done={done} total={phase.steps.length} label={`steps of ${phase.name} complete`} />
        {canAct ? <Actions label={`phase ${phase.name}`} actions={['continue', 'interrupt', 'restart', 'forceComplete']} onRun={(a) => onRun(a, phase)} /> : null}
      </div>
      {phase.steps.length > VIRTUAL_FROM ? (
        <VirtualList testid="steps" items={phase.steps} rowHeight={ROW} height={420} render={(st) => <StepRow step={st} canAct={canAct} onRun={(a, s) => onRun(a, phase, s)} />} />
      ) : (
        <div class="steps" data-testid="steps">
          {phase.steps.map((st) => (
            <StepRow key={st.id} step={st} canAct={canAct} onRun={(a, s) => onRun(a, phase, s)} />
          ))}
        </div>
      )}
    </li>
  );
}

export function PlanTree({ service, name, plan, role, readOnly }: { service: string; name: string; plan: PlanBody; role: Role | undefined; readOnly?: boolean }) {
  const [outcome, setOutcome] = useState<CommandOutcome | undefined>(undefined);
  const canAct = !readOnly && may(role, 'operator');
  const { done, total } = countSteps(plan);
  const run = (action: PlanAction, phase?: Phase, step?: Step): void => {
    const what = step ? `step ${step.name}` : phase ? `phase ${phase.name}` : 'the whole plan';
    void runPlanAction(service, name, action, { phase: phase?.id, step: step?.id, what }).then(setOutcome);
  };
  return (
    <div class="plan-tree" data-testid="plan-tree" data-plan={name} data-status={plan.status}>
      <div class="plan-head">
        <h3>{name}</h3> <span class="strategy">{plan.strategy} strategy</span> <Status status={plan.status} />
        <Progress done={done} total={total} label={`steps of plan ${name} complete`} />
        {canAct ? <Actions label={`plan ${name}`} actions={['continue', 'interrupt', 'stop']} onRun={(a) => run(a)} /> : null}
      </div>
      {outcome ? (
        <p class={outcome.error ? 'error' : 'note'} role="status" data-testid="command-outcome">
          {outcome.text}
        </p>
      ) : null}
      <ul class="phases">
        {plan.phases.map((ph) => (
          <PhaseView key={ph.id} phase={ph} canAct={canAct} onRun={run} />
        ))}
      </ul>
      {plan.errors.length > 0 ? (
        <ul class="errors">
          {plan.errors.map((e, i) => (
            <li key={i} class="error">
              {e}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Where the plan's history starts: its first event in the log (before it, the plan did not exist). */
async function firstSeq(service: string, plan: string, signal: AbortSignal): Promise<number> {
  const r = await api.get('GET /v1/events', { query: { service, plan, limit: '1', data: 'false' }, signal });
  return r.events[0]?.seq ?? 1;
}

/**
 * The plan as it stood at a moment of the log (`GET /v1/plans/{plan}?at=<seq>`, computed from the log by the
 * gateway), and the events between that moment and now.
 */
function TimeTravel({ service, name, role }: { service: string; name: string; role: Role | undefined }) {
  const [range, setRange] = useState<{ min: number; max: number } | undefined>(undefined);
  const [at, setAt] = useState<number | undefined>(undefined);
  const [shown, setShown] = useState<{ seq: number; plan: PlanBody } | undefined>(undefined);
  const [between, setBetween] = useState<AuditEvent[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    const ctl = new AbortController();
    firstSeq(service, name, ctl.signal)
      .then((min) => {
        const max = Math.max(min, api.seq);
        setRange({ min, max });
        setAt(max);
      })
      .catch((e: unknown) => setError((e as Error).message));
    return () => ctl.abort();
  }, [service, name]);

  useEffect(() => {
    if (at === undefined || !range) return;
    const ctl = new AbortController();
    const t = setTimeout(() => {
      Promise.all([
        api.call('GET /v1/plans/{plan}', { service, params: { plan: name }, query: { at: String(at) }, accept: [417], signal: ctl.signal }),
        api.get('GET /v1/events', { query: { service, after: String(at), limit: '200', data: 'false' }, signal: ctl.signal }),
      ])
        .then(([p, ev]) => {
          setShown({ seq: at, plan: p.body });
          setBetween(ev.events.filter((e) => e.seq <= range.max));
          setError(undefined);
        })
        .catch((e: unknown) => {
          if (!ctl.signal.aborted) setError((e as Error).message);
        });
    }, 120);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [at, range, service, name]);

  if (!range) return <ErrorLine error={error} />;
  return (
    <div class="time-travel" data-testid="time-travel">
      <label>
        Log position <strong data-testid="time-travel-seq">#{at}</strong>
        <input
          type="range"
          data-testid="time-travel-slider"
          min={range.min}
          max={range.max}
          value={at}
          aria-label="time travel: log sequence"
          onInput={(e) => setAt(Number((e.currentTarget as HTMLInputElement).value))}
        />
      </label>
      <ErrorLine error={error} />
      {shown ? <PlanTree service={service} name={name} plan={shown.plan} role={role} readOnly /> : null}
      <details open={between.length > 0 && between.length < 40}>
        <summary>
          {between.length} event{between.length === 1 ? '' : 's'} between #{at} and #{range.max}
        </summary>
        <ol class="events-between" data-testid="events-between">
          {between.map((e) => (
            <li key={e.seq}>
              <a href={`#/chain/${encodeURIComponent(e.id)}`}>#{e.seq}</a> {shortTime(e.at)} <code>{e.type}</code> {e.actor}
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}

export function PlansView({ service, role }: { service: string; role: Role | undefined }) {
  const plans = useLive(
    async (signal) => {
      const names = await api.get('GET /v1/plans', { service, signal });
      const bodies = await Promise.all(names.map((n) => api.call('GET /v1/plans/{plan}', { service, params: { plan: n }, accept: [417], signal })));
      return names.map((n, i) => ({ name: n, plan: bodies[i].body }));
    },
    [service],
  );
  const [travel, setTravel] = useState<string | undefined>(undefined);
  return (
    <div class="plans" data-testid="plans">
      <ErrorLine error={plans.error} />
      {plans.data?.length === 0 ? <p>No plans yet.</p> : null}
      {plans.data?.map(({ name, plan }) => (
        <section key={name} class="card">
          <PlanTree service={service} name={name} plan={plan} role={role} />
          <button class="link" data-testid="time-travel-toggle" aria-expanded={travel === name} onClick={() => setTravel(travel === name ? undefined : name)}>
            {travel === name ? 'Close time travel' : 'Time travel…'}
          </button>
          {travel === name ? <TimeTravel service={service} name={name} role={role} /> : null}
        </section>
      ))}
    </div>
  );
}
