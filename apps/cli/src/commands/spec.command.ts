import type { Command } from 'commander';
import type { ServiceSpec } from '@marshal/contracts';
import { canonicalJson } from '@marshal/spec';
import { CliError } from '../client';
import type { Cli } from '../main';
import { evaluateOffline, parseEnvAssignment, readEnvFile, type OfflineResult, type SpecInput } from './spec-input';

interface SpecFlags {
  package?: string;
  options?: string;
  env: string[];
  envFile?: string;
  strict?: boolean;
  json?: boolean;
}

function withInputFlags(cmd: Command): Command {
  return cmd
    .option('--package <dir>', "with a svc.yml: the package whose options (defaults, --options) give the scheduler environment")
    .option('--options <file>', 'JSON options file, merged over the package defaults')
    .option('--env <K=V>', 'scheduler environment variable, over the package environment (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--env-file <file>', 'file of K=V lines (blank lines and # comments ignored)')
    .option('--strict', 'missing template values are errors, not warnings')
    .option('--json', 'print a JSON report: {valid, spec, errors, warnings, schedulerEnv}');
}

function inputOf(source: string, o: SpecFlags): SpecInput {
  const env: Record<string, string> = o.envFile ? readEnvFile(o.envFile) : {};
  for (const a of o.env) {
    const [k, v] = parseEnvAssignment(a, '--env');
    env[k] = v;
  }
  return { source, packageDir: o.package, optionsFile: o.options, env, strict: o.strict ?? false };
}

function errorLines(r: OfflineResult, prefix = ''): string {
  return r.errors.map((e) => `${prefix}${e.path}: ${e.message}`).join('\n');
}

function warn(r: OfflineResult, prefix = ''): void {
  for (const w of r.warnings) process.stderr.write(`${prefix}warning: ${w}\n`);
}

/** `marshal spec render|validate`: the offline verbs, no server needed (reference §7, offline). */
export function registerSpec(cli: Cli): void {
  const spec = cli.program.command('spec').description('Render and validate service specs offline (no server needed)');

  withInputFlags(
    spec
      .command('render')
      .description('Print the rendered, normalized spec of a package directory or a svc.yml')
      .argument('<source>', 'package directory, or svc.yml (then --package and --env give its environment)'),
  ).action((source: string, o: SpecFlags) => {
    const r = evaluateOffline(inputOf(source, o));
    if (o.json) {
      cli.out(canonicalJson({ valid: r.errors.length === 0, spec: r.spec, errors: r.errors, warnings: r.warnings, schedulerEnv: r.schedulerEnv }, 2) + '\n');
      if (r.errors.length) throw new CliError('', 1);
      return;
    }
    warn(r);
    if (r.errors.length) throw new CliError(errorLines(r), 1);
    cli.out(canonicalJson(r.spec, 2) + '\n');
  });

  withInputFlags(
    spec
      .command('validate')
      .description('Check package directories or svc.yml files; exit 0 when all are valid, else list every error as path: message')
      .argument('<sources...>', 'package directories or svc.yml files'),
  ).action((sources: string[], o: SpecFlags) => {
    const results = sources.map((source) => ({ source, result: evaluateOffline(inputOf(source, o)) }));
    const invalid = results.filter((x) => x.result.errors.length > 0);
    if (o.json) {
      const report = results.map(({ source, result }) => ({ source, valid: result.errors.length === 0, errors: result.errors, warnings: result.warnings }));
      cli.out(JSON.stringify(sources.length === 1 ? report[0] : report, null, 2) + '\n');
      if (invalid.length) throw new CliError('', 1);
      return;
    }
    const several = sources.length > 1;
    for (const { source, result } of results) {
      warn(result, several ? `${source}: ` : '');
      if (result.spec) cli.out(`${source}: valid (${summary(result.spec)})\n`);
    }
    if (invalid.length) throw new CliError(invalid.map(({ source, result }) => errorLines(result, several ? `${source}: ` : '')).join('\n'), 1);
  });
}

function summary(spec: ServiceSpec): string {
  return `service ${spec.name}; pods ${spec.pods.map((p) => `${p.type} ×${p.count}`).join(', ')}`;
}
