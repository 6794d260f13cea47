import { Client } from 'pg';

/** A database the launcher cannot use, with the cause in words (printed on the terminal, not only in a log). */
export class DatabaseUnusable extends Error {}

const redact = (url: string): string => url.replace(/:[^:@/]*@/, ':***@');
const CONNECT_TIMEOUT_MS = 10_000;

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ? `${err.message} (${err.code})` : String(err.message ?? e);
}

/**
 * Closes a probe connection. The answer to the caller is already decided (the database exists, was created, or the
 * cause is being thrown), so a failure to close is said on the terminal and does not replace it.
 */
async function close(client: Client, url: string): Promise<void> {
  try {
    await client.end();
  } catch (e) {
    process.stderr.write(`warning: could not close the connection to ${redact(url)}: ${describe(e)}\n`);
  }
}

/**
 * Makes sure the database of `url` exists: connects to it, and when PostgreSQL says it does not exist (3D000) creates
 * it through the server's `postgres` database, as for the embedded server. Fails at once, naming the cause, when the
 * server cannot be reached, the login is refused, or the role may not create databases.
 */
export async function ensureDatabase(url: string): Promise<'existed' | 'created'> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new DatabaseUnusable(`DATABASE_URL ${redact(url)} names no database (expected postgres://user@host:port/<database>)`);
  const probe = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await probe.connect();
    await probe.end();
    return 'existed';
  } catch (e) {
    await close(probe, url);
    if ((e as { code?: string }).code !== '3D000') throw new DatabaseUnusable(`cannot use PostgreSQL at ${redact(url)}: ${describe(e)}`);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await c.connect();
    await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return 'created';
  } catch (e) {
    const code = (e as { code?: string }).code;
    // 42P04: another launcher created it meanwhile.
    if (code === '42P04') return 'existed';
    const why = code === '42501' ? 'its role may not create databases: create it (CREATE DATABASE) or point DATABASE_URL at one that exists' : describe(e);
    throw new DatabaseUnusable(`database "${name}" at ${redact(url)} does not exist and could not be created: ${why}`);
  } finally {
    await close(c, admin.toString());
  }
}
