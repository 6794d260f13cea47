import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { root } from './support';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the browser tests: one per test, kept with the other test output. */
export const SHOTS_DIR = join(root, 'e2e', 'test-output', 'console');

/**
 * Debian's chromium, installed with apt when missing (as root on Debian, the way the compose tests install docker);
 * anywhere else a missing browser is an error that says what to install. No browser is ever downloaded by a library.
 */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const canInstall = process.getuid?.() === 0 && existsSync('/etc/debian_version');
  if (!canInstall) throw new Error(`the console tests need Debian's chromium at ${CHROMIUM}: apt-get install -y chromium`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const r = spawnSync('apt-get', args, { encoding: 'utf8', env, timeout: 600_000 });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get install chromium left no ${CHROMIUM}`);
}

/** Chromium with a fresh profile: playwright gives every launch its own temporary user-data-dir. */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Messages the page logged as errors, and uncaught exceptions. */
  errors: string[];
  /** Dialogs the page opened (an `alert` from injected script would land here). */
  dialogs: string[];
  shot(name: string): Promise<void>;
}

/** A fresh browser context (no cookies) on the console, with its errors and dialogs recorded. */
export async function openConsole(browser: Browser, gatewayUrl: string, viewport = { width: 1280, height: 900 }): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${gatewayUrl}/ui/`);
  mkdirSync(SHOTS_DIR, { recursive: true });
  return {
    context,
    page,
    errors,
    dialogs,
    shot: async (name) => {
      await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`), fullPage: true });
    },
  };
}

/** Logs in through the console's form. */
export async function logIn(c: ConsolePage, token: string): Promise<void> {
  await c.page.getByLabel('Token').fill(token);
  await c.page.getByRole('button', { name: 'Log in' }).click();
  await c.page.getByTestId('who').waitFor();
}
