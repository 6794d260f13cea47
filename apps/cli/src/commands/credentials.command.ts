import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assertNamespace, ensembleIdentities, subjectsFor } from '@marshal/contracts';
import { CliError } from '../client';
import type { Cli } from '../main';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `marshal cluster credentials <dir>`: NATS identities for an ensemble (docs/security.md). Needs no server. */
export function registerCredentials(cli: Cli): void {
  const cluster = cli.program.command('cluster').description('Set up a cluster (no server needed)');
  cluster
    .command('credentials')
    .description(
      'Write a fresh NATS nkey per role (spec-renderer, plan-manager, coordinator, offer-evaluator, state-projector, gateway, ' +
        'each --agent, admin) and the nats-server authorization config that enforces what each may publish and subscribe',
    )
    .argument('<dir>', 'directory to write into (created 0700; the keys are 0600)')
    .option('--agent <id>', 'an agent id to make an identity for (repeat for each agent)', collect, [])
    .option('--simulated-agents', 'also an identity for a process of simulated agents (may act for any agent)')
    .option('--namespace <ns>', 'MARSHAL_NAMESPACE the permissions are for (repeat for several; default marshal)', collect, [])
    .option('--force', 'replace the credentials the directory already holds (every process must then get its new key)')
    .action(async (dir: string, o: { agent: string[]; simulatedAgents?: boolean; namespace: string[]; force?: boolean }) => {
      const target = resolve(dir);
      if (existsSync(join(target, 'auth.conf')) && !o.force) {
        throw new CliError(`${target} already holds credentials (auth.conf): give --force to replace them`, 2);
      }
      const namespaces = o.namespace.length > 0 ? o.namespace : ['marshal'];
      const bad = namespaces.filter((n) => {
        try {
          assertNamespace(n);
          return false;
        } catch {
          return true;
        }
      });
      if (bad.length) throw new CliError(`--namespace ${bad.join(', ')}: lowercase letters, digits and '-', starting with a letter`, 2);
      const duplicate = o.agent.find((a, i) => o.agent.indexOf(a) !== i);
      if (duplicate) throw new CliError(`--agent ${duplicate} is given twice`, 2);
      // Loaded here: the other verbs do not need NATS code. A require, not import(): Node's import() of a CommonJS
      // module sees only the exports it detects statically, and the compiled `export *` of the messaging lib is not.
      const { generateCredentials } = require('@marshal/messaging') as typeof import('@marshal/messaging');
      const creds = generateCredentials(target, ensembleIdentities(o.agent, { simulatedAgents: o.simulatedAgents }), namespaces.map((n) => subjectsFor(n)));
      writeFileSync(
        join(target, 'nats.conf'),
        '# nats-server -js -c nats.conf: every client authenticates with one of the nkeys of this directory.\ninclude "auth.conf"\n',
        { mode: 0o600 },
      );
      cli.out(`NATS credentials in ${target} for namespace ${namespaces.join(', ')}:\n`);
      cli.out(`  nats-server config: ${join(target, 'nats.conf')} (includes auth.conf)\n`);
      for (const i of creds.identities) cli.out(`  ${i.name.padEnd(20)} NATS_NKEY_SEED_FILE=${i.seedFile}\n`);
    });
}
