import type { ProjectionsStatus } from '@marshal/contracts';
import type { Cli } from '../main';

function describe(s: ProjectionsStatus): string {
  const lines = [`log head ${s.head}, read models ${s.lag} event${s.lag === 1 ? '' : 's'} behind`];
  for (const g of s.generations) {
    const who = g.requestedBy ? `, requested by ${g.requestedBy}` : '';
    lines.push(`  generation ${g.id} (${g.state}): checkpoint ${g.checkpoint}, ${g.lag} behind${who}`);
  }
  return lines.join('\n') + '\n';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function registerAdmin(cli: Cli): void {
  const admin = cli.program.command('admin').description('Administer Marshal itself (admin token)');

  admin
    .command('projections')
    .description('Show the read models: log head, checkpoint and lag of the active generation and of a rebuild')
    .option('--json', 'print the JSON')
    .action(async (o: { json?: boolean }) => {
      const s = (await cli.client().route('GET /v1/admin/projections', 'v1/admin/projections')).reply();
      cli.out(o.json ? JSON.stringify(s, null, 2) + '\n' : describe(s));
    });

  admin
    .command('rebuild-projections')
    .description('Rebuild every read model from the log while the current ones keep serving, then switch to them')
    .option('--wait', 'show progress until the rebuilt read models serve')
    .option('--json', 'print the JSON answer')
    .action(async (o: { wait?: boolean; json?: boolean }) => {
      const client = cli.client();
      const r = (await client.route('POST /v1/admin/rebuild-projections', 'v1/admin/rebuild-projections', {})).reply();
      if (o.json) cli.out(JSON.stringify(r, null, 2) + '\n');
      else cli.out(`${r.started ? 'Rebuilding' : 'Already rebuilding'} the read models as generation ${r.generation} (log head ${r.headSeq}).\n`);
      if (!o.wait) return;
      let last = -1;
      for (;;) {
        const s = (await client.route('GET /v1/admin/projections', 'v1/admin/projections')).reply();
        const g = s.generations.find((x) => x.id === r.generation);
        if (!g || g.state === 'active') {
          if (!o.json) cli.out(g ? `Generation ${g.id} serves now (checkpoint ${g.checkpoint}).\n` : `Generation ${r.generation} was replaced.\n`);
          return;
        }
        if (g.checkpoint !== last && !o.json) cli.out(`  generation ${g.id}: ${g.checkpoint} of ${s.head} events\n`);
        last = g.checkpoint;
        await sleep(500);
      }
    });
}
