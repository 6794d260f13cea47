import { CliError, type GatewayClient } from './client';
import { planFinished, progressBar } from './format/progress';
import { toPlanStatusTree, type PlanReply } from './format/plan-tree';

/**
 * Redraws a plan's tree with a progress bar until the plan completes (exit 0) or fails (exit 1), polling the gateway.
 * On a terminal the view is redrawn in place; otherwise each change is printed once.
 */
export async function watchPlan(client: GatewayClient, path: string, planName: string, out: (s: string) => void, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  const tty = process.stdout.isTTY === true;
  let last = '';
  let lines = 0;
  for (;;) {
    const res = await client.call('GET', path, undefined, (s) => s === 200 || s === 202 || s === 417 || s === 404);
    const plan: PlanReply | undefined = res.status === 404 ? undefined : res.json<PlanReply>();
    const view = plan ? `${toPlanStatusTree(planName, plan)}${progressBar(plan)}\n` : `waiting for plan ${planName}…\n`;
    if (view !== last) {
      if (tty && lines) out(`\x1b[${lines}A\x1b[J`);
      out(view);
      lines = view.split('\n').length - 1;
      last = view;
    }
    const finished = plan && planFinished(plan);
    if (finished === 'complete') return;
    if (finished === 'error') throw new CliError(`plan ${planName} has errors`, 1);
    if (Date.now() > deadline) throw new CliError(`plan ${planName} did not complete in time`, 1);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}
