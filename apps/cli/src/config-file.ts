import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './client';

export interface CliConfig {
  url?: string;
  token?: string;
  service?: string;
}

/** `$MARSHAL_CONFIG`, else `$XDG_CONFIG_HOME/marshal/config.json` (default `~/.config/marshal/config.json`). */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['MARSHAL_CONFIG']) return env['MARSHAL_CONFIG'];
  return join(env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), 'marshal', 'config.json');
}

/** The config file's settings; flags and environment variables win over them. A bad file is an error naming it. */
export function readConfigFile(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const file = configPath(env);
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`config file ${file} is not valid JSON: ${(e as Error).message}`, 2);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError(`config file ${file} must hold a JSON object {url, token, service}`, 2);
  const o = parsed as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!['url', 'token', 'service'].includes(key)) throw new CliError(`config file ${file}: unknown field '${key}' (expected url, token, service)`, 2);
    if (typeof o[key] !== 'string') throw new CliError(`config file ${file}: '${key}' must be a string`, 2);
  }
  return o as CliConfig;
}
