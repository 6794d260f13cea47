import { CliError } from '../client';
import { deltaLines } from '../format/deltas';
import type { Cli } from '../main';

const pretty = (text: string): string => JSON.stringify(JSON.parse(text), null, 2) + '\n';

/** `marshal debug pod|config|state …` (reference §7.4). */
export function registerDebug(cli: Cli): void {
  const debug = cli.program.command('debug').description('Debugging tools');
  const get = (path: string) => async () => cli.out(pretty((await cli.client().call('GET', cli.servicePath(path))).body));

  const pod = debug.command('pod').alias('pods').description('Pause and resume pod instances for debugging');
  const toggle = (action: 'pause' | 'resume') => async (name: string, o: { tasks: string[] }) => {
    const body = o.tasks.length ? o.tasks : undefined;
    const res = await cli.client().call('POST', cli.servicePath(`pod/${encodeURIComponent(name)}/${action}`), body);
    cli.out(pretty(res.body));
  };
  const tasks = ['-t, --tasks <task>', 'only this task (short name, e.g. server; repeatable)'] as const;
  const collect = (v: string, acc: string[]) => [...acc, v];
  pod.command('pause').description('Relaunch the tasks of a pod instance idle, for debugging').argument('<pod>', 'pod instance name').option(tasks[0], tasks[1], collect, [] as string[]).action(toggle('pause'));
  pod.command('resume').description('Relaunch paused tasks with their own command').argument('<pod>', 'pod instance name').option(tasks[0], tasks[1], collect, [] as string[]).action(toggle('resume'));

  const config = debug.command('config').alias('configs').description('Stored configurations of the service');
  config.command('list').description('List the ids of the stored configurations, oldest first').action(get('configurations'));
  config
    .command('show')
    .description('Show one stored configuration (the normalized ServiceSpec)')
    .argument('<config_id>', 'configuration id')
    .action(async (id: string) => get(`configurations/${encodeURIComponent(id)}`)());
  config
    .command('diff')
    .description('Show what a configuration did to each pod instance (typed deltas) and its spec diff, against the one before it')
    .argument('<config_id>', 'configuration id')
    .option('--from <config_id>', 'compare against this configuration instead')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { from?: string; json?: boolean }) => {
      const query = o.from ? `?from=${encodeURIComponent(o.from)}` : '';
      const d = (await cli.client().route('GET /v1/configurations/{id}/diff', cli.servicePath(`configurations/${encodeURIComponent(id)}/diff${query}`))).reply();
      if (o.json) return cli.out(JSON.stringify(d, null, 2) + '\n');
      cli.out(`From ${d.from ?? '(nothing: first configuration)'} to ${d.to}:\n${deltaLines(d.deltas)}`);
      if (d.diff) cli.out(`${d.diff}\n`);
    });
  config.command('target').description('Show the target configuration').action(get('configurations/target'));
  config.command('target_id').description('Show the id of the target configuration').action(get('configurations/targetId'));

  const state = debug.command('state').description('Scheduler state: framework id and properties');
  state.command('framework_id').description('Show the framework id of the service').action(get('state/frameworkId'));
  state.command('properties').description('List the property keys').action(get('state/properties'));
  state
    .command('property')
    .description('Show one property, raw')
    .argument('<name>', 'property key, e.g. last-completed-update-type')
    .action(async (name: string) => {
      // The raw value, as the original printed it (reference §7.4).
      cli.out((await cli.client().call('GET', cli.servicePath(`state/properties/${encodeURIComponent(name)}`))).body + '\n');
    });
  state
    .command('refresh_cache')
    .description("Drop the gateway's cached views of the service's state")
    .action(async () => cli.out(pretty((await cli.client().call('PUT', cli.servicePath('state/refresh'))).body)));

  // Hidden top-level forms that the original kept only to point at their new place (reference §7.4).
  for (const group of ['config', 'state'] as const) {
    cli.program
      .command(group, { hidden: true })
      .argument('[verb]')
      .allowUnknownOption()
      .allowExcessArguments()
      .action((verb?: string) => {
        throw new CliError(`This command is deprecated, use 'marshal debug ${group} ${verb ?? '<verb>'}' instead`, 2);
      });
  }
}
