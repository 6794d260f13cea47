import type { HttpBodyOf, HttpRoute } from '@marshal/contracts';
import { CliError, type RouteResult } from '../client';
import { toPlanStatusTree, type PlanReply } from '../format/plan-tree';
import type { Cli } from '../main';
import { watchPlan } from '../watch';
import { registerPlanPreview } from './preview.command';
import { pointInTime } from './point-in-time';
import { explainingNotFound } from './not-found';

/** `-p VAR=value` definitions as the original parsed them (reference §7.2): later duplicates win, `=` in values kept. */
export function parseParameters(defs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of defs) {
    const parts = def.split('=');
    if (parts.length < 2) throw new CliError('Must have one variable name and one variable value per definition', 2);
    out[parts[0]] = parts.slice(1).join('=');
  }
  return out;
}

/** `?phase=…&step=…`, each only when given (reference §7.2). */
export function planQuery(phase?: string, step?: string): string {
  const q = new URLSearchParams();
  if (phase) q.set('phase', phase);
  if (step) q.set('step', step);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export type PlanVerb = 'pause' | 'resume' | 'force-restart' | 'force-complete' | 'skip';

const DONE: Record<PlanVerb, [string, string]> = {
  pause: ['has been paused', 'could not be paused'],
  resume: ['has been resumed', 'could not be resumed'],
  'force-restart': ['has been restarted', 'could not be restarted'],
  'force-complete': ['has been forced to complete', 'could not be forced to complete'],
  skip: ['has been skipped', 'could not be skipped'],
};

/**
 * The original CLI's texts after a plan command (reference §7.2, §7.7): the success form when the reply is JSON with
 * a non-empty `message`, else the "could not" form.
 */
export function planCommandText(verb: PlanVerb, reply: string, plan: string, phase?: string, step?: string): string {
  let ok = false;
  try {
    const j = JSON.parse(reply) as { message?: unknown };
    ok = typeof j === 'object' && j !== null && typeof j.message === 'string' && j.message !== '';
  } catch {
    ok = false;
  }
  const what = step ? `"${plan}" plan: step "${step}" in phase "${phase}"` : phase ? `"${plan}" plan: phase "${phase}"` : `"${plan}" plan`;
  return `${what} ${DONE[verb][ok ? 0 : 1]}.`;
}

/**
 * Answers of mutating plan commands (reference §7.2): 208 and the old `Element not found` 404 get the original's
 * errors; other 404s print the gateway's message (`Plan x not found`; the original printed a generic text, §10.3
 * quirk 7).
 */
type PlanCommandRoute = Extract<HttpRoute, `POST /v1/plans/{plan}/${string}`>;

async function planCall<R extends PlanCommandRoute>(cli: Cli, route: R, path: string, body?: HttpBodyOf<R>): Promise<RouteResult<R>> {
  const res = await cli.client().route(route, cli.servicePath(path), body, (s) => s === 200 || s === 208 || s === 404);
  if (res.status === 208) throw new CliError('Cannot execute command. Command has already been issued or the plan has completed', EXIT_ALREADY);
  if (res.status === 404) {
    throw new CliError(res.body.trim() === 'Element not found' ? 'Plan, phase, and/or step does not exist' : res.body.trim() || 'Not found', 5);
  }
  return res;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2) + '\n';
  } catch {
    return `warning: the reply is not JSON\n${text}\n`;
  }
}

/** Exit code of a command the gateway answered 208: already issued, or the plan has completed (nothing was done). */
export const EXIT_ALREADY = 6;

const plan$ = (plan: string) => `plans/${encodeURIComponent(plan)}`;

/**
 * One steering verb on a plan: the original's text, or with `json` the gateway's reply. With `wait`, then watches the
 * plan from the command's own log sequence until it completes (exit 0) or has errors (exit 1).
 */
export async function steerPlan(cli: Cli, verb: PlanVerb, plan: string, phase: string | undefined, step: string | undefined, o: { json?: boolean; wait?: boolean }): Promise<void> {
  const action = ({ pause: 'interrupt', resume: 'continue', 'force-restart': 'restart', 'force-complete': 'forceComplete', skip: 'skip' } as const)[verb];
  const res = await explainingNotFound(cli, plan, phase, step, () => planCall(cli, `POST /v1/plans/{plan}/${action}`, `${plan$(plan)}/${action}${planQuery(phase, step)}`));
  cli.out(o.json ? prettyJson(res.body) : planCommandText(verb, res.body, plan, phase, step) + '\n');
  if (o.wait) await watchPlan(cli.client(), cli.servicePath(plan$(plan)), plan, o.json ? () => undefined : cli.out, { seq: res.seq });
}

/** `--wait` of the verbs after which a plan runs to completion. */
export const WAIT_OPTION = ['--wait', 'then watch the plan until it completes (exit 0) or has errors (exit 1)'] as const;

/**
 * `plan status` and `update status`: the tree of reference §7.2.1 (a 417 body is still rendered), the JSON, or with
 * `watch` the tree and a progress bar redrawn until the plan completes (exit 0) or has errors (exit 1). `at` (a log
 * sequence or an ISO-8601 time) asks for the plan as it stood then, where the gateway can travel in time.
 */
export async function showPlan(cli: Cli, name: string, o: { json?: boolean; watch?: boolean; at?: string }): Promise<void> {
  if (o.watch && o.at !== undefined) throw new CliError('--watch follows the plan as it is now; it cannot be combined with --at', 2);
  if (o.watch && !o.json) return watchPlan(cli.client(), cli.servicePath(plan$(name)), name, cli.out);
  const at = o.at !== undefined ? `?at=${encodeURIComponent(pointInTime(o.at, new Date()))}` : '';
  const res = await explainingNotFound(cli, name, undefined, undefined, () =>
    cli.client().route('GET /v1/plans/{plan}', cli.servicePath(`${plan$(name)}${at}`), undefined, (s) => s === 200 || s === 202 || s === 417),
  );
  let body: PlanReply;
  try {
    body = res.reply();
  } catch {
    throw new CliError(`The gateway answered with something that is not JSON:\n${res.body}`);
  }
  cli.out(o.json ? JSON.stringify(body, null, 2) + '\n' : toPlanStatusTree(name, body));
}

export function registerPlan(cli: Cli): void {
  const plan = cli.program.command('plan').alias('plans').description('Query and steer plans');

  plan
    .command('list')
    .description('List the plans of the service')
    .action(async () => {
      const res = await cli.client().route('GET /v1/plans', cli.servicePath('plans'));
      cli.out(JSON.stringify(res.reply(), null, 2) + '\n');
    });

  plan
    .command('status')
    .alias('show')
    .description('Show a plan as a tree')
    .argument('<plan>', 'plan name')
    .option('--json', 'print the plan JSON')
    .option('--at <when>', 'show the plan as it stood then: a log sequence (231, #231), a time ago (5m, "5 minutes ago"), an ISO-8601 or a local time')
    .option('--watch', 'redraw the tree with a progress bar until the plan completes (exit 0) or has errors (exit 1)')
    .action((name: string, o: { json?: boolean; watch?: boolean; at?: string }) => showPlan(cli, name, o));

  plan
    .command('start')
    .description('Start a plan, with parameters for its tasks’ environment')
    .argument('<plan>', 'plan name')
    .option('-p, --params <VAR=value>', 'a parameter (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option(...WAIT_OPTION)
    .action(async (name: string, o: { params: string[]; wait?: boolean }) => {
      const res = await planCall(cli, 'POST /v1/plans/{plan}/start', `${plan$(name)}/start`, parseParameters(o.params));
      cli.out(prettyJson(res.body));
      if (o.wait) await watchPlan(cli.client(), cli.servicePath(plan$(name)), name, cli.out, { seq: res.seq });
    });

  plan
    .command('stop')
    .description('Stop a plan: interrupt it and reset its steps')
    .argument('<plan>', 'plan name')
    .action(async (name: string) => {
      const res = await planCall(cli, 'POST /v1/plans/{plan}/stop', `${plan$(name)}/stop`);
      cli.out(prettyJson(res.body));
    });

  // Commander passes the declared arguments, then the options and the command: keep the arguments only.
  const steer = (verb: PlanVerb, declared: number) => async (...args: unknown[]) => {
    const [name, phase, step] = args.slice(0, declared) as [string, string | undefined, string | undefined];
    await steerPlan(cli, verb, name, phase, step, args[declared] as { json?: boolean; wait?: boolean });
  };
  const json = ['--json', "print the gateway's reply as JSON"] as const;

  plan.command('pause').alias('interrupt').description('Pause a plan, or one of its phases').argument('<plan>').argument('[phase]', 'phase name or id').option(...json).action(steer('pause', 2));
  plan
    .command('resume')
    .alias('continue')
    .description('Resume a plan, or one of its phases')
    .argument('<plan>')
    .argument('[phase]', 'phase name or id')
    .option(...json)
    .option(...WAIT_OPTION)
    .action(steer('resume', 2));
  plan
    .command('force-restart')
    .alias('restart')
    .description('Restart a plan, a phase or a step')
    .argument('<plan>')
    .argument('[phase]', 'phase name or id')
    .argument('[step]', 'step name or id')
    .option(...json)
    .option(...WAIT_OPTION)
    .action(steer('force-restart', 3));
  plan
    .command('force-complete')
    .alias('force')
    .description('Force a step to complete')
    .argument('<plan>')
    .argument('<phase>', 'phase name or id')
    .argument('<step>', 'step name or id')
    .option(...json)
    .action(steer('force-complete', 3));
  plan
    .command('skip')
    .description('Skip a step that has not started or has failed: it is passed over and shows SKIPPED (not COMPLETE)')
    .argument('<plan>')
    .argument('<phase>', 'phase name or id')
    .argument('<step>', 'step name or id')
    .option(...json)
    .action(steer('skip', 3));

  registerPlanPreview(cli, plan);
}
