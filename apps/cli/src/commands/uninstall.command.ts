import { CliError } from '../client';
import type { Cli } from '../main';
import { watchUninstall } from '../watch';

/** `marshal uninstall <service> [--wait]`: the uninstall plan (reference §3.6), then the service is removed. */
export function registerUninstall(cli: Cli): void {
  cli.program
    .command('uninstall')
    .description('Uninstall a service: kill its tasks, release its reservations, then remove it')
    .argument('[service]', 'the service to uninstall (or --name); never guessed')
    .option('--wait', 'watch the uninstall plan until the service is gone (exit 1 if it fails)')
    .option('--json', "print the gateway's reply as JSON")
    .action(async (given: string | undefined, o: { wait?: boolean; json?: boolean }) => {
      // Destructive: unlike the other verbs, the only installed service is not taken as the default.
      const name = given ?? cli.globals().name;
      if (!name) throw new CliError('Name the service to uninstall: marshal uninstall <service>', 2);
      const reply = (await cli.client().route('DELETE /v1/services/{name}', `v1/services/${encodeURIComponent(name)}`)).reply();
      if (o.json) cli.out(JSON.stringify(reply, null, 2) + '\n');
      else cli.out(`Uninstalling ${reply.service}. Watch it with: marshal --name ${reply.service} plan status deploy\n`);
      if (!o.wait) return;
      const service = encodeURIComponent(reply.service);
      await watchUninstall(cli.client(), `v1/service/${service}/plans/deploy`, `v1/services/${service}`, reply.seq, o.json ? () => undefined : cli.out);
      if (!o.json) cli.out(`${reply.service} has been uninstalled.\n`);
    });
}
