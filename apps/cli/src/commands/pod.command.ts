import { toServiceTree, toSinglePodTree } from '../format/pod-tree';
import type { Cli } from '../main';
import { explainingPodNotFound } from './not-found';

const pretty = (text: string): string => JSON.stringify(JSON.parse(text), null, 2) + '\n';
const pod$ = (pod: string) => `pod/${encodeURIComponent(pod)}`;

/** `marshal pod …` (reference §7.3). */
export function registerPod(cli: Cli): void {
  const pod = cli.program.command('pod').alias('pods').description('Query, restart and replace pod instances');

  pod
    .command('list')
    .description('List pod instance names')
    .action(async () => cli.out(pretty((await cli.client().call('GET', cli.servicePath('pod'))).body)));

  pod
    .command('status')
    .description('Show the tasks of every pod, or of one pod instance, as a tree')
    .argument('[pod]', 'pod instance name, e.g. hello-0')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, o: { json?: boolean }) => {
      const res = await (name ? explainingPodNotFound(cli, name, () => cli.client().call('GET', cli.servicePath(`${pod$(name)}/status`))) : cli.client().call('GET', cli.servicePath('pod/status')));
      cli.out(o.json ? pretty(res.body) : name ? toSinglePodTree(res.body) : toServiceTree(res.body));
    });

  pod
    .command('info')
    .description('Show the TaskInfo and latest status of each task of a pod instance (Mesos TaskInfo JSON, as the SDK)')
    .argument('<pod>', 'pod instance name')
    .option('--json', 'print JSON (the default; accepted as the SDK CLI accepts it)')
    .option('--marshal', "Marshal's own TaskInfo and status instead of the SDK's Mesos shape")
    .action(async (name: string, o: { marshal?: boolean }) =>
      cli.out(pretty((await explainingPodNotFound(cli, name, () => cli.client().call('GET', cli.servicePath(`${pod$(name)}/info${o.marshal ? '?view=marshal' : ''}`)))).body)),
    );

  pod
    .command('restart')
    .description('Kill the tasks of a pod instance and relaunch them in place, keeping its volumes')
    .argument('<pod>', 'pod instance name')
    .action(async (name: string) => cli.out(pretty((await explainingPodNotFound(cli, name, () => cli.client().call('POST', cli.servicePath(`${pod$(name)}/restart`)))).body)));

  pod
    .command('replace')
    .description('Kill a pod instance and relaunch it elsewhere with fresh reservations and volumes')
    .argument('<pod>', 'pod instance name')
    .action(async (name: string) => cli.out(pretty((await explainingPodNotFound(cli, name, () => cli.client().call('POST', cli.servicePath(`${pod$(name)}/replace`)))).body)));
}
