import type { Cli } from '../main';

const pretty = (text: string): string => JSON.stringify(JSON.parse(text), null, 2) + '\n';

/** `marshal debug pod pause|resume <pod> [-t task]…` (reference §7.4). */
export function registerDebug(cli: Cli): void {
  const debug = cli.program.command('debug').description('Debugging tools');
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
}
