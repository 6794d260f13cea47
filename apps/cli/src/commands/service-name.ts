import { CliError } from '../client';
import type { Cli } from '../main';

/** The service a verb addresses: `--name` (or MARSHAL_SERVICE), else the only one installed. */
export async function serviceName(cli: Cli): Promise<string> {
  const given = cli.globals().name;
  if (given) return given;
  const all = (await cli.client().route('GET /v1/services', 'v1/services')).reply();
  if (all.length === 1) return all[0].name;
  if (all.length === 0) throw new CliError('No service is installed', 5);
  throw new CliError(`Several services are installed (${all.map((s) => s.name).join(', ')}): choose one with --name or MARSHAL_SERVICE`, 2);
}
