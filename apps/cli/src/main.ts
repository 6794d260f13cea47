import { Command, CommanderError } from 'commander';
import { CliError, GatewayClient } from './client';
import { registerAdmin } from './commands/admin.command';
import { registerEvents } from './commands/events.command';
import { registerInstall } from './commands/install.command';
import { registerPlan } from './commands/plan.command';

export interface GlobalOptions {
  url: string;
  name?: string;
  token?: string;
  verbose?: boolean;
}

export interface Cli {
  program: Command;
  client(): GatewayClient;
  globals(): GlobalOptions;
  /** `/v1/…` or `/v1/service/<name>/…` when --name is given. */
  servicePath(path: string): string;
  out(text: string): void;
}

export function buildProgram(out: (s: string) => void = (s) => process.stdout.write(s)): Command {
  const program = new Command('marshal')
    .description('Operate services run by Marshal')
    .option('--url <url>', 'gateway URL (env MARSHAL_URL)', process.env['MARSHAL_URL'] ?? 'http://127.0.0.1:8080')
    .option('--name <service>', 'service to address (env MARSHAL_SERVICE; default: the only one installed)', process.env['MARSHAL_SERVICE'])
    .option('--token <token>', 'bearer token (env MARSHAL_TOKEN)', process.env['MARSHAL_TOKEN'])
    .option('-v, --verbose', 'log each request and response')
    .showHelpAfterError()
    .exitOverride();
  const cli: Cli = {
    program,
    globals: () => program.opts<GlobalOptions>(),
    client: () => {
      const g = program.opts<GlobalOptions>();
      return new GatewayClient({ url: g.url, token: g.token, verbose: g.verbose });
    },
    servicePath: (path) => {
      const name = program.opts<GlobalOptions>().name;
      return name ? `v1/service/${encodeURIComponent(name)}/${path}` : `v1/${path}`;
    },
    out,
  };
  registerInstall(cli);
  registerPlan(cli);
  registerEvents(cli);
  registerAdmin(cli);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof CliError) {
      process.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void run(process.argv).then((code) => process.exit(code));
}
