import type { Cli } from '../main';
import { readOptions, readPackage } from '../package-dir';
import { watchPlan } from '../watch';

/**
 * `--name` also names the service inside its configuration when the package has the usual `service.name` option
 * (reference §7.6: the name is that option), so the rendered spec, the tasks' FRAMEWORK_NAME and `describe` agree
 * with it. An explicit `service.name` in the options file wins.
 */
export function withServiceName(options: Record<string, unknown>, name: string | undefined, configJson: string | undefined): Record<string, unknown> {
  if (!name || !configJson) return options;
  let schema: { properties?: { service?: { properties?: { name?: unknown } } } };
  try {
    schema = JSON.parse(configJson) as typeof schema;
  } catch {
    return options; // spec-renderer reports a config.json that is not JSON, naming the file
  }
  if (!schema.properties?.service?.properties?.name) return options;
  const service = options['service'];
  if (service !== undefined && (typeof service !== 'object' || service === null || Array.isArray(service))) return options;
  if (service && 'name' in service) return options;
  return { ...options, service: { ...(service ?? {}), name } };
}

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
      const options = withServiceName(o.options ? readOptions(o.options) : {}, name, pkg.files['config.json']);
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
