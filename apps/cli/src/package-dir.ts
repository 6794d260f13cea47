import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Package } from '@marshal/contracts';
import { CliError } from './client';

/** Packages travel in one NATS message (1 MiB) with their envelope: keep them well below. */
const MAX_PACKAGE_BYTES = 768 * 1024;

/**
 * Reads a package directory (svc.yml, config.json, marathon.json.mustache, resource.json, package.json, config
 * templates…) into the Package the gateway takes. A single svc.yml file is a package of one file. `svcRequired: false`
 * reads a package that only supplies options and environment (`spec validate svc.yml --package <dir>`).
 */
export function readPackage(path: string, opts: { svcRequired?: boolean } = {}): Package {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CliError(`Package ${path} does not exist`, 2);
  }
  const files: Record<string, string> = {};
  let total = 0;
  const add = (file: string, key: string): void => {
    const content = readFileSync(file);
    if (content.includes(0)) throw new CliError(`Package file ${file} is binary; packages hold text files only`, 2);
    total += content.length;
    if (total > MAX_PACKAGE_BYTES) throw new CliError(`Package ${path} is larger than ${MAX_PACKAGE_BYTES} bytes`, 2);
    files[key] = content.toString('utf8');
  };
  if (st.isFile()) {
    add(path, 'svc.yml');
  } else {
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile()) add(full, relative(path, full).split(sep).join('/'));
      }
    };
    walk(path);
    if (!files['svc.yml'] && opts.svcRequired !== false) throw new CliError(`Package ${path} has no svc.yml`, 2);
  }
  let meta: { name?: unknown; version?: unknown } = {};
  if (files['package.json']) {
    try {
      meta = JSON.parse(files['package.json']) as typeof meta;
    } catch (e) {
      throw new CliError(`${join(path, 'package.json')} is not valid JSON: ${(e as Error).message}`, 2);
    }
  }
  return {
    name: typeof meta.name === 'string' && meta.name ? meta.name : 'package',
    version: typeof meta.version === 'string' && meta.version ? meta.version : '0.0.0',
    files,
  };
}

/** Reads an options file: a JSON object, else a clear error naming the file. */
export function readOptions(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`Failed to read specified options file ${file}: ${(e as Error).message}`, 2);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CliError(`Failed to parse JSON in provided options: ${(e as Error).message}\nContent (${text.length} bytes): ${text}`, 2);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`Options file ${file} must hold a JSON object, not ${Array.isArray(parsed) ? 'an array' : typeof parsed}`, 2);
  }
  return parsed as Record<string, unknown>;
}
