import { CliError, type GatewayClient } from './client';
import { planFinished, progressBar } from './format/progress';
import { toPlanStatusTree, type PlanReply } from './format/plan-tree';

export interface WatchOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** The ids of a plan's phases and steps: a plan generated again (after an update) has new ones. */
export function planIdentity(plan: PlanReply): string {
  return (plan.phases ?? []).flatMap((p) => [p.id ?? '', ...(p.steps ?? []).map((s) => s.id ?? '')]).join(',');
}

/**
 * Polls a plan and redraws its tree with a progress bar whenever it changes, until `done` says so. On a terminal the
 * view is redrawn in place; otherwise each change is printed once. `seq` (a write's log sequence) makes the first read
 * wait for the read models to include that write.
 */
async function watch(
  client: GatewayClient,
  path: string,
  planName: string,
  out: (s: string) => void,
  done: (plan: PlanReply | undefined) => boolean,
  opts: WatchOptions & { seq?: number; what: string; absent?: string; replaced?: string },
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  const tty = process.stdout.isTTY === true;
  let last = '';
  let lines = 0;
  for (let first = true; ; first = false) {
    const url = first && opts.seq !== undefined ? `${path}${path.includes('?') ? '&' : '?'}seq=${opts.seq}` : path;
    const res = await client.route('GET /v1/plans/{plan}', url, undefined, (s) => s === 200 || s === 202 || s === 417 || s === 404);
    const answer: PlanReply | undefined = res.status === 404 ? undefined : res.reply();
    // Until the plan is generated again, what is shown is the one the write replaces: treat it as not there yet.
    const plan = answer && opts.replaced !== undefined && planIdentity(answer) === opts.replaced ? undefined : answer;
    const view = plan ? `${toPlanStatusTree(planName, plan)}${progressBar(plan)}\n` : (opts.absent ?? '');
    if (view && view !== last) {
      if (tty && lines) out(`\x1b[${lines}A\x1b[J`);
      out(view);
      lines = view.split('\n').length - 1;
      last = view;
    }
    if (done(plan)) return;
    if (plan && planFinished(plan) === 'error') throw new CliError(`plan ${planName} has errors`, 1);
    if (Date.now() > deadline) throw new CliError(`${opts.what} did not finish in time`, 1);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}

/**
 * Redraws a plan's tree with a progress bar until the plan completes (exit 0) or has errors (exit 1). A plan that does
 * not exist yet (an install still being planned) is waited for.
 */
export function watchPlan(
  client: GatewayClient,
  path: string,
  planName: string,
  out: (s: string) => void,
  opts: WatchOptions & { seq?: number; replaced?: string } = {},
): Promise<void> {
  return watch(client, path, planName, out, (plan) => plan !== undefined && planFinished(plan) === 'complete', {
    ...opts,
    what: `plan ${planName}`,
    absent: opts.replaced === undefined ? `waiting for plan ${planName}…\n` : `waiting for the new plan ${planName}…\n`,
  });
}

/**
 * Redraws the uninstall plan (named deploy, reference §3.6) until it completes (the gateway keeps serving it for a
 * while after the service is removed) or answers 404, then waits for the service to be gone (`servicePath` answers
 * 404). `seq` is the uninstall's log sequence, so the first read already shows the uninstall plan, not the deployment
 * it replaced.
 */
export async function watchUninstall(client: GatewayClient, path: string, servicePath: string, seq: number, out: (s: string) => void, opts: WatchOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  await watch(client, path, 'deploy', out, (plan) => plan === undefined || planFinished(plan) === 'complete', { ...opts, seq, what: 'the uninstall' });
  while ((await client.call('GET', servicePath, undefined, (s) => s === 200 || s === 404)).status !== 404) {
    if (Date.now() > deadline) throw new CliError('the uninstall did not finish in time', 1);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}
