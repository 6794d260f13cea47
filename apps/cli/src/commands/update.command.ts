import { Option } from 'commander';
import type { ErrorBody, UpdateBody } from '@marshal/contracts';
import { CliError } from '../client';
import type { Cli } from '../main';
import { deltaLines } from '../format/deltas';
import { readOptions, readPackage } from '../package-dir';
import type { PlanReply } from '../format/plan-tree';
import { planIdentity, watchPlan } from '../watch';
import { WAIT_OPTION, showPlan, steerPlan, type PlanVerb } from './plan.command';
import { serviceName } from './service-name';

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
    .option('--wait', 'watch the rollout (the deploy plan) until it completes (exit 1 if it has errors)')
    .option('--dry-run', 'only show what the update would do to each pod instance (typed deltas) and the diff; changes nothing')
    .action(async (o: { options?: string; package?: string; replace?: boolean; json?: boolean; wait?: boolean; dryRun?: boolean }) => {
      if (!o.options && !o.package) throw new CliError('Either --options and/or --package must be specified', 2);
      if (o.dryRun && o.wait) throw new CliError('--dry-run starts nothing to --wait for', 2);
      const body: UpdateBody = {
        ...(o.options ? { options: readOptions(o.options) } : {}),
        ...(o.package ? { package: readPackage(o.package) } : {}),
        replace: o.replace ?? false,
      };
      const name = await serviceName(cli);
      if (o.dryRun) {
        const dry = (await cli.client().route('POST /v1/services/{name}/dry-run', `v1/services/${encodeURIComponent(name)}/dry-run`, body)).reply();
        if (o.json) return cli.out(JSON.stringify({ valid: dry.valid, errors: dry.errors, warnings: dry.warnings, diff: dry.diff, deltas: dry.deltas }, null, 2) + '\n');
        for (const w of dry.warnings) process.stderr.write(`warning: ${w}\n`);
        if (!dry.valid) throw new CliError(`Update of ${name} would be rejected:\n${dry.errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`, 1);
        cli.out(`Dry run: nothing was changed. Deltas:\n${deltaLines(dry.deltas)}`);
        if (dry.diff) cli.out(`${dry.diff}\n`);
        return;
      }
      const deployPath = `v1/service/${encodeURIComponent(name)}/plans/deploy`;
      // The deploy plan the update will replace: --wait watches the one generated after it.
      const before = o.wait ? await cli.client().route('GET /v1/plans/{plan}', deployPath, undefined, (s) => [200, 202, 404, 417].includes(s)) : undefined;
      const replaced = before && before.status !== 404 ? planIdentity(before.json<PlanReply>()) : undefined;
      const res = await cli.client().route('PUT /v1/services/{name}', `v1/services/${encodeURIComponent(name)}`, body, (s) => (s >= 200 && s < 300) || s === 400);
      if (res.status === 400) {
        let err: Partial<ErrorBody> = {};
        try {
          err = res.json<Partial<ErrorBody>>();
        } catch {
          err = { message: res.body };
        }
        const lines = err.details?.length ? err.details.map((d) => `${d.path}: ${d.message}`) : [err.message ?? res.body];
        throw new CliError(`Update of ${name} rejected; the target configuration is unchanged:\n${lines.join('\n')}`, 1);
      }
      const reply = res.reply();
      if (o.json) {
        cli.out(JSON.stringify(reply, null, 2) + '\n');
        return;
      }
      for (const w of reply.warnings) process.stderr.write(`warning: ${w}\n`);
      if (reply.unchanged) {
        cli.out(`No change: the configuration equals the current target ${reply.configId}.\n`);
        return;
      }
      // The diff first, as the original prints it; Marshal's typed deltas after it.
      if (reply.diff) cli.out(`${reply.diff}\n`);
      if (reply.deltas.length) cli.out(`Deltas:\n${deltaLines(reply.deltas)}`);
      if (!o.wait) {
        cli.out(`Update started. Please use \`marshal --name=${name} update status\` to view progress.\n`);
        return;
      }
      // From the update's own sequence: the rollout, not the deployment it replaced.
      cli.out('Update started.\n');
      await watchPlan(cli.client(), deployPath, 'deploy', cli.out, { seq: reply.seq, replaced });
    });

  update
    .command('status')
    .alias('show')
    .description('Show the deploy plan (same as `plan status deploy`)')
    .option('--json', 'print the plan JSON')
    .option('--watch', 'redraw the rollout with a progress bar until it completes (exit 0) or has errors (exit 1)')
    .addOption(new Option('--plan <plan>', 'plan to show').default('deploy').hideHelp())
    // A 417 (plan with errors, e.g. a rejected update) is still shown (reference §7.2).
    .action((o: { json?: boolean; watch?: boolean; plan: string }) => showPlan(cli, o.plan, o));

  // The original sent these without a plan name, to a path that does not exist (reference §7.6, §10.3 quirk 8); they
  // act on the deploy plan, as intended.
  const steer = (verb: PlanVerb, declared: number) => async (...args: unknown[]) => {
    const [phase, step] = args.slice(0, declared) as [string | undefined, string | undefined];
    await steerPlan(cli, verb, 'deploy', phase, step, args[declared] as { json?: boolean; wait?: boolean });
  };
  const json = ['--json', "print the gateway's reply as JSON"] as const;
  update.command('pause').alias('interrupt').description('Pause the rollout (the deploy plan), or one of its phases').argument('[phase]', 'phase name or id').option(...json).action(steer('pause', 1));
  update
    .command('resume')
    .alias('continue')
    .description('Resume the rollout, or one of its phases')
    .argument('[phase]', 'phase name or id')
    .option(...json)
    .option(...WAIT_OPTION)
    .action(steer('resume', 1));
  update
    .command('force-complete')
    .alias('force')
    .description('Force a step of the rollout to complete')
    .argument('<phase>', 'phase name or id')
    .argument('<step>', 'step name or id')
    .option(...json)
    .action(steer('force-complete', 2));
  update
    .command('skip')
    .description('Skip a step of the rollout that has not started or has failed (shown SKIPPED)')
    .argument('<phase>', 'phase name or id')
    .argument('<step>', 'step name or id')
    .option(...json)
    .action(steer('skip', 2));
  update
    .command('force-restart')
    .alias('restart')
    .description('Restart the rollout, one of its phases or one step')
    .argument('[phase]', 'phase name or id')
    .argument('[step]', 'step name or id')
    .option(...json)
    .option(...WAIT_OPTION)
    .action(steer('force-restart', 2));

  update
    .command('package-versions')
    .description('Show the package version of the service and the versions it can move to')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const name = await serviceName(cli);
      const d = (await cli.client().route('GET /v1/services/{name}', `v1/services/${encodeURIComponent(name)}`)).reply();
      // Marshal keeps no repository of package versions: an update names its package directory (`--package`).
      const versions = { currentVersion: d.package.version, downgradesTo: [] as string[], upgradesTo: [] as string[] };
      if (o.json) return cli.out(JSON.stringify(versions, null, 2) + '\n');
      cli.out(`Current package version is: ${versions.currentVersion ?? '<UNKNOWN>'}\n`);
      cli.out(packageVersionsText(versions.downgradesTo, versions.upgradesTo));
    });
}

/** The lists of `update package-versions` in the original's words (reference §7.7). */
export function packageVersionsText(downgradesTo: readonly string[], upgradesTo: readonly string[]): string {
  const list = (vs: readonly string[], some: string, none: string): string => (vs.length ? `${some}\n${vs.map((v) => `- ${v}\n`).join('')}` : `${none}\n`);
  return list(downgradesTo, 'Package can be downgraded to:', 'No valid package downgrade versions.') + list(upgradesTo, 'Package can be upgraded to:', 'No valid package upgrade versions.');
}
