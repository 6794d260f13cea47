import { execFile, execFileSync } from 'node:child_process';
import autocannon from 'autocannon';

/** What a saturating HTTP load measured. */
export interface Saturation {
  rps: number;
  p99Ms: number;
  /** Socket errors, timeouts and answers outside 2xx/3xx. */
  errors: number;
}

export type LoadClient = 'wrk' | 'autocannon';

/**
 * The client that saturates: `wrk` when installed (`apt-get install wrk`), else autocannon. autocannon appends every
 * response body to a JavaScript string, which for binary bodies (gzip) costs it more than the server spends: with it
 * a gzipped answer measures the client, not the server, so only uncompressed answers are measured then.
 */
export function loadClient(): LoadClient {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return 'wrk';
  } catch (e) {
    // wrk --version exits 1 after printing its version.
    return (e as { code?: string }).code === 'ENOENT' ? 'autocannon' : 'wrk';
  }
}

const ms = (value: string, unit: string): number => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? NaN);

/** 10 connections for `seconds`, as many requests as the server answers. */
export async function saturate(client: LoadClient, url: string, headers: Record<string, string>, seconds = 10): Promise<Saturation> {
  if (client === 'autocannon') {
    const r = await autocannon({ url, headers, connections: 10, duration: seconds });
    return { rps: r.requests.average, p99Ms: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
  }
  const args = ['-t', '1', '-c', '10', '-d', `${seconds}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const out = await new Promise<string>((resolve, reject) => execFile('wrk', args, (e, stdout) => (e ? reject(e) : resolve(stdout))));
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  if (!rps || !p99) throw new Error(`could not read wrk's output:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((n, x) => n + Number(x), 0) : 0;
  return { rps: Number(rps[1]), p99Ms: ms(p99[1], p99[2]), errors: non2xx + socketErrors };
}

/** A fixed rate (autocannon paces; wrk cannot): latency as a client sees it at that load. */
export async function paced(url: string, headers: Record<string, string>, rate: number, seconds = 10): Promise<Saturation> {
  const r = await autocannon({ url, headers, connections: 10, duration: seconds, overallRate: rate });
  return { rps: r.requests.average, p99Ms: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx };
}
