import type { Command } from 'commander';
import type { OfferOutcomeSummary } from '@marshal/contracts';
import type { Cli } from '../main';

/** The `debug` group, created by whichever debug verb registers first. */
function debugGroup(cli: Cli): Command {
  return cli.program.commands.find((c) => c.name() === 'debug') ?? cli.program.command('debug').description('Inspect the scheduler');
}

/** Steps still waiting for an agent, each with why no agent fits, as text. */
export function renderPending(summary: OfferOutcomeSummary): string {
  if (summary.pending.length === 0) return 'No step is waiting for an agent.\n';
  return summary.pending
    .map((p) => `${p.service} ${p.plan} ${p.step} (evaluated ${new Date(p.timestamp).toISOString()}):\n${p.summary.split('\n').map((l) => `  ${l}`).join('\n')}\n`)
    .join('');
}

/** `marshal debug offers`: `GET /v2/debug/offers` (reference §6.8), for one service with `--name`. */
export function registerDebugOffers(cli: Cli): void {
  debugGroup(cli)
    .command('offers')
    .description('Show recent offer evaluations: accepted and rejected counts, why agents were rejected, steps waiting for an agent')
    .option('--pending', 'print only the steps waiting for an agent, with the reasons in words')
    .action(async (o: { pending?: boolean }) => {
      const name = cli.globals().name;
      const path = name ? `v1/service/${encodeURIComponent(name)}/v2/debug/offers` : 'v2/debug/offers';
      const body = (await cli.client().route('GET /v2/debug/offers', path)).reply();
      cli.out(o.pending ? renderPending(body) : JSON.stringify(body, null, 2) + '\n');
    });
}
