import type { Cli } from '../main';

/** Marshal's own views: services, agents; and the DC/OS SDK's `endpoints` (reference §7.5). */
export function registerCluster(cli: Cli): void {
  cli.program
    .command('services')
    .description('List the installed services with their deploy status')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const services = (await cli.client().route('GET /v1/services', 'v1/services')).reply();
      if (o.json) return cli.out(JSON.stringify(services, null, 2) + '\n');
      if (services.length === 0) return cli.out('No service is installed.\n');
      for (const s of services) cli.out(`${s.name}\t${s.packageName ?? '-'} ${s.packageVersion ?? ''}\tdeploy ${s.deployStatus ?? 'not planned yet'}\n`);
    });

  cli.program
    .command('agents')
    .description('List the agents with their resources and reservations')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const agents = (await cli.client().route('GET /v1/agents', 'v1/agents')).reply();
      if (o.json) return cli.out(JSON.stringify(agents, null, 2) + '\n');
      for (const a of agents) {
        cli.out(`${a.hostname}\t${a.lost ? 'LOST' : 'active'}\tzone ${a.zone ?? '-'}\t${a.resources.cpus} cpus, ${a.resources.memory} MB\t${a.reservations.length} pods\n`);
      }
    });

  cli.program
    .command('endpoints')
    .alias('endpoint')
    .description('List the service endpoints, or show one')
    .argument('[name]', 'endpoint name')
    .action(async (name?: string) => {
      if (!name) return cli.out(JSON.stringify((await cli.client().call('GET', cli.servicePath('endpoints'))).json(), null, 2) + '\n');
      // reference §7.5: the body is printed raw, followed by a blank line.
      cli.out((await cli.client().call('GET', cli.servicePath(`endpoints/${encodeURIComponent(name)}`))).body + '\n');
    });
}
