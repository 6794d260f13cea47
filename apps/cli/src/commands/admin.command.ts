import type { ParkedEvent, ParkedRetryBody, ProjectionsStatus } from '@marshal/contracts';
import type { Cli } from '../main';

function describe(s: ProjectionsStatus): string {
  const lines = [`log head ${s.head}, read models ${s.lag} event${s.lag === 1 ? '' : 's'} behind`];
  for (const g of s.generations) {
    const who = g.requestedBy ? `, requested by ${g.requestedBy}` : '';
    lines.push(`  generation ${g.id} (${g.state}): checkpoint ${g.checkpoint}, ${g.lag} behind${who}`);
  }
  return lines.join('\n') + '\n';
}

function describeParked(list: ParkedEvent[]): string {
  if (list.length === 0) return 'No parked events.\n';
  const lines = [`${list.length} parked event${list.length === 1 ? '' : 's'}:`];
  for (const p of list) {
    const what = p.type ? `${p.type}${p.eventId ? ` ${p.eventId}` : ''}` : 'not an event';
    lines.push(`  seq ${p.seq}  ${p.consumer}  ${p.subject}  ${what}`);
    lines.push(`    ${p.reason} after ${p.attempts} attempt${p.attempts === 1 ? '' : 's'}${p.retries ? `, ${p.retries} failed retr${p.retries === 1 ? 'y' : 'ies'}` : ''}, parked ${p.parkedAt}: ${p.error}`);
  }
  return lines.join('\n') + '\n';
}

function describeRetry(r: ParkedRetryBody): string {
  const lines = [`Retried sequence ${r.seq} on ${r.consumers.join(', ')}.`];
  if (r.unparked.length) lines.push(`Applied, no longer parked: ${r.unparked.join(', ')}.`);
  for (const p of r.stillParked) lines.push(`Still parked by ${p.consumer} (${p.retries} failed retr${p.retries === 1 ? 'y' : 'ies'}): ${p.error}`);
  return lines.join('\n') + '\n';
}

/** A stream sequence given on the command line. */
export function parseSeqArgument(raw: string): number {
  if (!/^[0-9]{1,15}$/.test(raw) || Number(raw) < 1) throw new Error(`<seq> must be a stream sequence (a positive integer), got '${raw}'`);
  return Number(raw);
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

  const parked = admin.command('parked').description('Events the consumers could not apply and skipped (docs/api.md, parked events)');
  parked
    .command('list')
    .description('List parked events: consumer, sequence, subject, event, reason, error')
    .option('--json', 'print the JSON')
    .action(async (o: { json?: boolean }) => {
      const r = (await cli.client().route('GET /v1/admin/parked', 'v1/admin/parked')).reply();
      cli.out(o.json ? JSON.stringify(r, null, 2) + '\n' : describeParked(r.parked));
    });
  parked
    .command('retry')
    .description('Make every consumer that parked the event at <seq> read it from the log and apply it again (after a fix)')
    .argument('<seq>', 'stream sequence of the parked event')
    .option('--json', 'print the JSON answer')
    .action(async (raw: string, o: { json?: boolean }) => {
      let seq: number;
      try {
        seq = parseSeqArgument(raw);
      } catch (e) {
        cli.program.error((e as Error).message);
        return;
      }
      const r = (await cli.client().route('POST /v1/admin/parked/{seq}/retry', `v1/admin/parked/${seq}/retry`, {})).reply();
      cli.out(o.json ? JSON.stringify(r, null, 2) + '\n' : describeRetry(r));
    });
}
