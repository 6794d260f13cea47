import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

/**
 * The Content-Security-Policy of the console: scripts, styles, images and API calls only from the gateway itself; no
 * inline script or style, no eval, no framing, no plugins. The console renders every value as a text node, and this is
 * the second wall should one ever slip through as markup.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every file of the console. */
export const CONSOLE_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface ConsoleFile {
  body: Buffer;
  type: string;
}

/**
 * The built console (apps/console/dist), read once at start: a fixed set of files, so a request can name nothing else
 * (no path from a URL ever reaches the file system).
 */
export class ConsoleFiles {
  private constructor(
    readonly dir: string,
    private readonly files: Map<string, ConsoleFile>,
  ) {}

  static load(dir: string): ConsoleFiles {
    const files = new Map<string, ConsoleFile>();
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const path = join(d, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.set(relative(dir, path).split(sep).join('/'), { body: readFileSync(path), type: TYPES[extname(name)] ?? 'application/octet-stream' });
      }
    };
    if (existsSync(join(dir, 'index.html'))) walk(dir);
    return new ConsoleFiles(dir, files);
  }

  get built(): boolean {
    return this.files.has('index.html');
  }

  get(path: string): ConsoleFile | undefined {
    return this.files.get(path);
  }
}

/** Where the console's build lands: apps/console/dist, next to this app in the repository and in the image. */
export function defaultConsoleDir(): string {
  return join(__dirname, '..', '..', '..', 'console', 'dist');
}
