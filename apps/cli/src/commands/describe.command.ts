import type { Cli } from '../main';
import { serviceName } from './service-name';

/** `marshal describe` (reference §7.6): the resolved options of the service's target configuration. */
export function registerDescribe(cli: Cli): void {
  cli.program
    .command('describe')
    .description('Print the resolved options of the service (defaults, stored and provided, merged)')
    .option('--json', 'print the whole description: package, options, target configuration, last rejected update')
    .action(async (o: { json?: boolean }) => {
      const name = await serviceName(cli);
      const d = (await cli.client().route('GET /v1/services/{name}', `v1/services/${encodeURIComponent(name)}`)).reply();
      if (o.json) {
        cli.out(JSON.stringify(d, null, 2) + '\n');
        return;
      }
      if (Object.keys(d.resolvedOptions).length > 0) cli.out(JSON.stringify(d.resolvedOptions, null, 2) + '\n');
      else cli.out(`Package configuration is not available for service ${name}: its package takes no options.\n`);
      if (d.lastErrors.length > 0) {
        process.stderr.write(`The last update of ${name} was rejected; the target configuration is unchanged:\n`);
        for (const e of d.lastErrors) process.stderr.write(`  ${e.path}: ${e.message}\n`);
      }
    });
}
