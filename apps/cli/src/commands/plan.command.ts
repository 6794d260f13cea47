import { CliError } from '../client';
import { toPlanStatusTree, type PlanReply } from '../format/plan-tree';
import type { Cli } from '../main';

export function registerPlan(cli: Cli): void {
  const plan = cli.program.command('plan').alias('plans').description('Query and steer plans');

  plan
    .command('list')
    .description('List the plans of the service')
    .action(async () => {
      const res = await cli.client().call('GET', cli.servicePath('plans'));
      cli.out(JSON.stringify(res.json(), null, 2) + '\n');
    });

  plan
    .command('status')
    .alias('show')
    .description('Show a plan as a tree')
    .argument('<plan>', 'plan name')
    .option('--json', 'print the plan JSON')
    .option('--at <when>', 'show the plan as it stood at a log sequence or an ISO-8601 time')
    .action(async (name: string, o: { json?: boolean; at?: string }) => {
      const at = o.at !== undefined ? `?at=${encodeURIComponent(o.at)}` : '';
      // A 417 (plan with errors) is still rendered (reference §7.2).
      const res = await cli.client().call('GET', cli.servicePath(`plans/${encodeURIComponent(name)}${at}`), undefined, (s) => s === 200 || s === 202 || s === 417);
      let body: PlanReply;
      try {
        body = res.json<PlanReply>();
      } catch {
        throw new CliError(`The gateway answered with something that is not JSON:\n${res.body}`);
      }
      cli.out(o.json ? JSON.stringify(body, null, 2) + '\n' : toPlanStatusTree(name, body));
    });
}
