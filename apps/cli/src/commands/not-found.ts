import { CliError } from '../client';
import type { Cli } from '../main';

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** `<what> <name> not found. Did you mean <closest>? <Whats>: a, b, c` (the closest only when it is close). */
export function notFoundText(what: string, name: string, existing: readonly string[]): string {
  const closest = [...existing].sort((x, y) => distance(name, x) - distance(name, y))[0];
  const near = closest !== undefined && distance(name.toLowerCase(), closest.toLowerCase()) <= Math.max(2, Math.floor(name.length / 3));
  const list = existing.length ? ` ${what[0].toUpperCase()}${what.slice(1)}s: ${existing.join(', ')}.` : ` There are no ${what}s.`;
  return `${what[0].toUpperCase()}${what.slice(1)} ${name} not found.${near ? ` Did you mean ${closest}?` : ''}${list}`;
}

interface PlanShape {
  phases?: { id?: string; name: string; steps?: { id?: string; name: string }[] }[];
}

/**
 * Runs a request on a plan (and a phase and step of it); when the gateway answers "not found" (exit 5), says which
 * of them does not exist, what does, and the closest name.
 */
export async function explainingNotFound<T>(cli: Cli, plan: string, phase: string | undefined, step: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof CliError) || e.exitCode !== 5) throw e;
    const client = cli.client();
    const plans = await client.call('GET', cli.servicePath('plans')).then((r) => r.json<string[]>(), () => undefined);
    if (!Array.isArray(plans)) throw e;
    if (!plans.includes(plan)) throw new CliError(notFoundText('plan', plan, plans), 5);
    if (phase === undefined) throw e;
    const tree = await client
      .call('GET', cli.servicePath(`plans/${encodeURIComponent(plan)}`), undefined, (s) => s === 200 || s === 202 || s === 417)
      .then((r) => r.json<PlanShape>(), () => undefined);
    const phases = tree?.phases ?? [];
    const found = phases.find((p) => p.name === phase || p.id === phase);
    if (!found) throw new CliError(notFoundText('phase', phase, phases.map((p) => p.name)), 5);
    const steps = found.steps ?? [];
    if (step !== undefined && !steps.some((s) => s.name === step || s.id === step)) throw new CliError(notFoundText('step', step, steps.map((s) => s.name)), 5);
    throw e;
  }
}

/** The same for a pod instance (`hello-0`). */
export async function explainingPodNotFound<T>(cli: Cli, pod: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof CliError) || e.exitCode !== 5) throw e;
    const pods = await cli
      .client()
      .call('GET', cli.servicePath('pod'))
      .then((r) => r.json<string[]>(), () => undefined);
    if (!Array.isArray(pods) || pods.includes(pod)) throw e;
    throw new CliError(notFoundText('pod', pod, pods), 5);
  }
}
