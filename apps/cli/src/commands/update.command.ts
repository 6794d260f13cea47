import { Option } from 'commander';
import { CliError } from '../client';
import { toPlanStatusTree, type PlanReply } from '../format/plan-tree';
import type { Cli } from '../main';
import { readOptions, readPackage } from '../package-dir';
import { serviceName } from './service-name';

interface UpdateReply {
  service: string;
  configId: string;
  unchanged: boolean;
  warnings: string[];
  diff: string;
  seq: number;
}

interface ErrorBody {
  message?: string;
  details?: { path: string; message: string }[];
}

/** `marshal update start|status` (reference §7.6): change the options or the package of a service and watch it. */
export function registerUpdate(cli: Cli): void {
  const update = cli.program.command('update').description('Update the configuration of a service');

  update
    .command('start')
    .description('Update the options and/or the package; prints the difference from the current target')
    .option('--options <file>', 'JSON options file ("stdin" reads standard input), merged over the stored options')
    .option('--package <dir>', 'package directory of the new version (default: the installed one)')
    .option('--replace', 'replace the stored options instead of merging over them')
    .option('--json', 'print the reply as JSON')
    .action(async (o: { options?: string; package?: string; replace?: boolean; json?: boolean }) => {
      if (!o.options && !o.package) throw new CliError('Either --options and/or --package must be specified', 2);
      const body = {
        ...(o.options ? { options: readOptions(o.options) } : {}),
        ...(o.package ? { package: readPackage(o.package) } : {}),
        replace: o.replace ?? false,
      };
      const name = await serviceName(cli);
      const res = await cli.client().call('PUT', `v1/services/${encodeURIComponent(name)}`, body, (s) => (s >= 200 && s < 300) || s === 400);
      if (res.status === 400) {
        let err: ErrorBody = {};
        try {
          err = res.json<ErrorBody>();
        } catch {
          err = { message: res.body };
        }
        const lines = err.details?.length ? err.details.map((d) => `${d.path}: ${d.message}`) : [err.message ?? res.body];
        throw new CliError(`Update of ${name} rejected; the target configuration is unchanged:\n${lines.join('\n')}`, 1);
      }
      const reply = res.json<UpdateReply>();
      if (o.json) {
        cli.out(JSON.stringify(reply, null, 2) + '\n');
        return;
      }
      for (const w of reply.warnings) process.stderr.write(`warning: ${w}\n`);
      if (reply.unchanged) {
        cli.out(`No change: the configuration equals the current target ${reply.configId}.\n`);
        return;
      }
      if (reply.diff) cli.out(`${reply.diff}\n`);
      cli.out(`Update started. Please use \`marshal --name=${name} update status\` to view progress.\n`);
    });

  update
    .command('status')
    .alias('show')
    .description('Show the deploy plan (same as `plan status deploy`)')
    .option('--json', 'print the plan JSON')
    .addOption(new Option('--plan <plan>', 'plan to show').default('deploy').hideHelp())
    .action(async (o: { json?: boolean; plan: string }) => {
      // A 417 (plan with errors, e.g. a rejected update) is still shown (reference §7.2).
      const res = await cli.client().call('GET', cli.servicePath(`plans/${encodeURIComponent(o.plan)}`), undefined, (s) => s === 200 || s === 202 || s === 417);
      let plan: PlanReply;
      try {
        plan = res.json<PlanReply>();
      } catch {
        throw new CliError(`The gateway answered with something that is not JSON:\n${res.body}`);
      }
      cli.out(o.json ? JSON.stringify(plan, null, 2) + '\n' : toPlanStatusTree(o.plan, plan));
    });
}
