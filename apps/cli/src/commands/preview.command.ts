import { statSync } from 'node:fs';
import type { Command } from 'commander';
import type { Package, PlanTree, PodDelta, ServiceSpec } from '@marshal/contracts';
import { plansForInstall, toPlanTree } from '@marshal/plan';
import { computeDeltas, renderPackage, renderServiceYaml } from '@marshal/spec';
import { CliError } from '../client';
import { deltaLines } from '../format/deltas';
import { toPlanStatusTree } from '../format/plan-tree';
import type { Cli } from '../main';
import { readOptions, readPackage } from '../package-dir';

export interface PreviewInput {
  /** A package directory, or a svc.yml file. */
  path: string;
  /** A package directory whose svc.yml is replaced by `path` (the helloworld universe package with an example). */
  packageDir?: string;
  options?: Record<string, unknown>;
  env: Record<string, string>;
}

/** `--env K=V` definitions; the value may contain `=`. */
export function parseEnv(defs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const def of defs) {
    const i = def.indexOf('=');
    if (i <= 0) throw new CliError(`--env ${def}: expected NAME=value`, 2);
    env[def.slice(0, i)] = def.slice(i + 1);
  }
  return env;
}

/** The package `path` and `packageDir` describe; a lone svc.yml is rendered without one. */
export function previewPackage(path: string, packageDir?: string): Package | { svcYaml: string } {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new CliError(`${path} does not exist`, 2);
  }
  if (!isFile) {
    if (packageDir) throw new CliError('--package takes the package of a svc.yml file; this is already a package directory', 2);
    return readPackage(path);
  }
  const svc = readPackage(path);
  if (!packageDir) return { svcYaml: svc.files['svc.yml'] };
  const pkg = readPackage(packageDir, { svcRequired: false });
  return { ...pkg, files: { ...pkg.files, 'svc.yml': svc.files['svc.yml'] } };
}

/** Renders the spec a fresh install would get; rendering errors fail with every problem and where it is. */
export function previewSpec(input: PreviewInput): ServiceSpec {
  const source = previewPackage(input.path, input.packageDir);
  const r =
    'svcYaml' in source
      ? renderServiceYaml(source.svcYaml, input.env, { fileName: 'svc.yml' })
      : renderPackage(source, { ...(input.options ? { options: input.options } : {}), env: input.env });
  if (!r.spec) throw new CliError(`${input.path} does not render to a valid service:\n${r.errors.map((e) => `  ${e.path || '/'}: ${e.message}`).join('\n')}`, 2);
  return r.spec;
}

/** Every plan a fresh install of the spec would generate (deploy, recovery, custom plans), as the API shows them. */
export function previewPlans(spec: ServiceSpec): PlanTree[] {
  let n = 0;
  return plansForInstall(spec, () => `preview-${++n}`).map((p) => toPlanTree(p));
}

export interface PlanPreviewJson {
  name: string;
  strategy: string;
  status: string;
  errors: string[];
  phases: { name: string; strategy: string; status: string; steps: { name: string; status: string }[] }[];
}

/** What a fresh install does to each pod instance: every one is CREATE (other-systems §1a.1 delta analysis). */
export function previewDeltas(spec: ServiceSpec): PodDelta[] {
  return computeDeltas({ spec: null }, { spec });
}

export function previewJson(plans: readonly PlanTree[], deltas: readonly PodDelta[] = []): { plans: PlanPreviewJson[]; deltas: PodDelta[] } {
  return {
    deltas: [...deltas],
    plans: plans.map((p) => ({
      name: p.name,
      strategy: p.strategy,
      status: p.status,
      errors: p.errors,
      phases: p.phases.map((ph) => ({ name: ph.name, strategy: ph.strategy, status: ph.status, steps: ph.steps.map((s) => ({ name: s.name, status: s.status })) })),
    })),
  };
}

/** `marshal plan preview`: offline, no gateway (reference §1–§3). */
export function registerPlanPreview(cli: Cli, plan: Command): void {
  plan
    .command('preview')
    .description('Print every plan a fresh install of a package (or svc.yml) would generate; needs no server')
    .argument('<path>', 'package directory or svc.yml')
    .option('--package <dir>', 'package whose svc.yml is replaced by <path> (e.g. the helloworld universe package)')
    .option('--options <file>', 'JSON options file')
    .option('--env <NAME=value>', 'scheduler environment variable (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--plan <name>', 'only this plan')
    .option('--json', 'print JSON')
    .action((path: string, o: { package?: string; options?: string; env: string[]; plan?: string; json?: boolean }) => {
      const spec = previewSpec({ path, ...(o.package ? { packageDir: o.package } : {}), ...(o.options ? { options: readOptions(o.options) } : {}), env: parseEnv(o.env) });
      let plans = previewPlans(spec);
      if (o.plan) {
        plans = plans.filter((p) => p.name === o.plan);
        if (plans.length === 0) throw new CliError(`Plan ${o.plan} not found`, 5);
      }
      const deltas = previewDeltas(spec);
      cli.out(o.json ? JSON.stringify(previewJson(plans, deltas), null, 2) + '\n' : `${plans.map((p) => toPlanStatusTree(p.name, p)).join('\n')}\nDeltas:\n${deltaLines(deltas)}`);
    });
}
