import type { Cli } from '../main';
import { readOptions, readPackage } from '../package-dir';
import { watchPlan } from '../watch';

export function registerInstall(cli: Cli): void {
  cli.program
    .command('install')
    .description('Install a service from a package directory (or a single svc.yml)')
    .argument('<package>', 'package directory or svc.yml')
    .option('--name <service>', 'service name (default: the name the rendered spec gives)')
    .option('--options <file>', 'JSON options file')
    .option('--json', 'print the reply as JSON')
    .option('--wait', 'watch the deploy plan until it completes (exit 1 if it fails)')
    .action(async (pkgPath: string, o: { name?: string; options?: string; json?: boolean; wait?: boolean }) => {
      // `marshal install pkg --name N` and `marshal --name N install pkg` mean the same service (commander gives a flag
      // that both the program and the command define to the program).
      const name = o.name ?? cli.globals().name;
      const pkg = readPackage(pkgPath);
      const options = o.options ? readOptions(o.options) : {};
      const reply = (await cli.client().route('POST /v1/services', 'v1/services', { ...(name ? { name } : {}), package: pkg, options })).reply();
      if (o.json) {
        cli.out(JSON.stringify(reply, null, 2) + '\n');
        return;
      }
      for (const w of reply.warnings) cli.out(`warning: ${w}\n`);
      cli.out(`Installing ${reply.service} (configuration ${reply.configId}). Watch it with: marshal --name ${reply.service} plan status deploy\n`);
      if (o.wait) await watchPlan(cli.client(), `v1/service/${encodeURIComponent(reply.service)}/plans/deploy`, 'deploy', cli.out, { seq: reply.seq });
    });
}
