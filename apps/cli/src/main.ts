import { Command, CommanderError } from 'commander';
import { CliError, GatewayClient } from './client';
import { registerCluster } from './commands/cluster.command';
import { registerCredentials } from './commands/credentials.command';
import { registerDescribe } from './commands/describe.command';
import { registerDebugOffers } from './commands/debug-offers.command';
import { registerInstall } from './commands/install.command';
import { readConfigFile } from './config-file';
import { registerPlan } from './commands/plan.command';
import { registerSpec } from './commands/spec.command';
import { registerUpdate } from './commands/update.command';
import { registerPod } from './commands/pod.command';
import { registerDebug } from './commands/debug.command';
import { registerEvents } from './commands/events.command';
import { registerAdmin } from './commands/admin.command';
import { registerUninstall } from './commands/uninstall.command';

export interface GlobalOptions {
  url: string;
  name?: string;
  token?: string;
  ca?: string;
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

/** The line printed after an operator command: its id and the command that shows what it caused. */
export function commandHint(commandId: string): string {
  return `Command ${commandId}. What it caused: marshal events chain ${commandId}\n`;
}

export function buildProgram(out: (s: string) => void = (s) => process.stdout.write(s)): Command {
  // Flags win over environment variables, which win over the config file (`marshal --help` shows where it is).
  const file = readConfigFile();
  const env = (name: string): string | undefined => process.env[name] || undefined;
  const program = new Command('marshal')
    .description('Operate services run by Marshal')
    .option('--url <url>', 'gateway URL (env MARSHAL_URL, config file url)', env('MARSHAL_URL') ?? file.url ?? 'http://127.0.0.1:8080')
    .option('--name <service>', 'service to address (env MARSHAL_SERVICE, config file service; default: the only one installed)', env('MARSHAL_SERVICE') ?? file.service)
    // No default value here: commander prints defaults in --help, and a token is a secret (never printed).
    .option('--token <token>', 'bearer token (env MARSHAL_TOKEN, config file token; prefer those: a flag is visible to every user in ps)')
    .option('--ca <file>', 'PEM certificate authority of an https gateway (env MARSHAL_CA; default: the system CAs)', env('MARSHAL_CA'))
    .option('-v, --verbose', 'log each request and response')
    .showHelpAfterError()
    .exitOverride();
  const withToken = (g: GlobalOptions): GlobalOptions => ({ ...g, token: g.token ?? env('MARSHAL_TOKEN') ?? file.token });
  const cli: Cli = {
    program,
    globals: () => withToken(program.opts<GlobalOptions>()),
    client: () => {
      const g = withToken(program.opts<GlobalOptions>());
      // Every operator command says how to follow what it caused: on stderr, and only to a person at a terminal, so
      // stdout stays the reply alone and scripts see what they always saw.
      const onCommand = (id: string): void => void (process.stderr.isTTY && process.stderr.write(commandHint(id)));
      return new GatewayClient({ url: g.url, token: g.token, ca: g.ca, verbose: g.verbose, onCommand });
    },
    servicePath: (path) => {
      const name = program.opts<GlobalOptions>().name;
      return name ? `v1/service/${encodeURIComponent(name)}/${path}` : `v1/${path}`;
    },
    out,
  };
  registerInstall(cli);
  registerPlan(cli);
  registerCluster(cli);
  registerCredentials(cli);
  registerSpec(cli);
  registerDescribe(cli);
  registerUpdate(cli);
  registerPod(cli);
  registerDebug(cli);
  registerDebugOffers(cli);
  registerEvents(cli);
  registerAdmin(cli);
  registerUninstall(cli);
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
      if (e.message) process.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void run(process.argv).then((code) => process.exit(code));
}
