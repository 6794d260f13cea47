import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { eventually } from '@marshal/testing';
import { launchChromium, logIn, openConsole, type ConsolePage } from './console-support';
import { root, startCluster, type Cluster } from './support';

const PORT_BASE = 31_000 + (process.pid % 150) * 100;
/** A machine shared with other work starts an ensemble slowly. */
const READY_MS = 180_000;
const XSS = '<img src=x onerror=alert(1)>';

/** Two serial phases: `first` becomes ready after a few seconds, so `second` can be interrupted before it runs. */
function gatedPackage(): string {
  const pkg = join(mkdtempSync(join(tmpdir(), 'marshal-console-')), 'gated');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'marathon.json.mustache'), '{ "id": "gated", "env": {} }\n');
  writeFileSync(
    join(pkg, 'svc.yml'),
    `name: gated
pods:
  first:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: sleep 4 && touch ready && sleep 1000
        cpus: 0.1
        memory: 32
        readiness-check:
          cmd: test -f ready
          interval: 1
          delay: 0
          timeout: 5
  second:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: sleep 1000
        cpus: 0.1
        memory: 32
plans:
  deploy:
    strategy: serial
    phases:
      first:
        strategy: serial
        pod: first
      second:
        strategy: serial
        pod: second
`,
  );
  return pkg;
}

/** A deploy plan whose one phase is named like markup. */
function markupPackage(): string {
  const pkg = join(mkdtempSync(join(tmpdir(), 'marshal-console-')), 'markup');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'marathon.json.mustache'), '{ "id": "markup", "env": {} }\n');
  writeFileSync(
    join(pkg, 'svc.yml'),
    `name: markup
pods:
  hello:
    count: 1
    tasks:
      server:
        goal: RUNNING
        cmd: sleep 1000
        cpus: 0.1
        memory: 32
plans:
  deploy:
    strategy: serial
    phases:
      '${XSS}':
        strategy: serial
        pod: hello
`,
  );
  return pkg;
}

/** A plan of `count` steps run in parallel on simulated agents. */
function widePackage(count: number): string {
  const pkg = join(mkdtempSync(join(tmpdir(), 'marshal-console-')), 'wide');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'marathon.json.mustache'), '{ "id": "wide", "env": {} }\n');
  writeFileSync(
    join(pkg, 'svc.yml'),
    `name: wide
pods:
  hello:
    count: ${count}
    tasks:
      server:
        goal: RUNNING
        cmd: sleep 1000
        cpus: 0.1
        memory: 32
plans:
  deploy:
    strategy: parallel
    phases:
      hello:
        strategy: parallel
        pod: hello
`,
  );
  return pkg;
}

/**
 * The web console in Debian's headless chromium, against a whole ensemble of real processes: everything a user does
 * is done by clicking, and everything checked is what the page shows.
 */
describe('the web console in a browser', () => {
  let cluster: Cluster;
  let browser: Browser;
  let operator: ConsolePage;
  const plan = (c: ConsolePage, name: string) => c.page.locator(`[data-testid="plans"] [data-testid="plan-tree"][data-plan="${name}"]`).first();

  beforeAll(async () => {
    browser = await launchChromium();
    cluster = await startCluster(
      ['agent-1', 'agent-2'].map((id, i) => ({ id, zone: `zone-${i}`, ports: `${PORT_BASE + i * 50}-${PORT_BASE + i * 50 + 49}` })),
      { readyTimeoutMs: READY_MS },
    );
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });
  afterEach(() => {
    // No console errors and no dialog opened by the page in any test (each test answers for its own).
    const errors = operator?.errors.splice(0) ?? [];
    const dialogs = operator?.dialogs.splice(0) ?? [];
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
  });

  it('logs in with a token kept in an HttpOnly cookie, not in storage, behind a strict CSP', async () => {
    operator = await openConsole(browser, cluster.ensemble.gatewayUrl);
    const res = await fetch(`${cluster.ensemble.gatewayUrl}/ui/`);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
    await operator.shot('login');
    await logIn(operator, cluster.ensemble.tokens.operator);
    expect(await operator.page.getByTestId('who').textContent()).toBe('operator (operator)');
    const [cookie] = await operator.context.cookies();
    expect(cookie).toMatchObject({ name: 'marshal_session', httpOnly: true, sameSite: 'Strict' });
    expect(cookie.value).not.toContain(cluster.ensemble.tokens.operator);
    const storage = await operator.page.evaluate('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie');
    expect(storage).toBe('{}{}');
  });

  it('watches hello-world deploy to COMPLETE live, without a reload', async () => {
    const { page } = operator;
    await page.goto(`${cluster.ensemble.gatewayUrl}/ui/#/service/hello-world/plans`);
    await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    // Opened before the install: everything after comes through the stream.
    await page.getByText('hello-world is not installed (yet)').waitFor();
    await page.evaluate('window.notReloaded = true');
    expect(await cluster.cli('install', join(root, 'examples', 'hello-world'))).toMatchObject({ code: 0 });
    await eventually(
      async () => expect(await plan(operator, 'deploy').getAttribute('data-status', { timeout: 500 })).toBe('COMPLETE'),
      { timeoutMs: 60_000, intervalMs: 100, what: 'deploy COMPLETE in the page' },
    );
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(await plan(operator, 'deploy').locator('[data-testid="step"][data-status="COMPLETE"]').count()).toBe(1);
    await operator.shot('service-page');
  });

  it('interrupts a phase before it runs and continues it', async () => {
    const { page } = operator;
    await page.goto(`${cluster.ensemble.gatewayUrl}/ui/#/service/gated/plans`);
    expect(await cluster.cli('install', gatedPackage())).toMatchObject({ code: 0 });
    const second = plan(operator, 'deploy').locator('[data-testid="phase"][data-phase="second"]');
    await second.locator('.phase-head button[data-action="interrupt"]').click();
    await expect(page.getByTestId('command-outcome').first().textContent()).resolves.toMatch(/Received cmd: interrupt/);
    await page.locator('[data-testid="phase"][data-phase="first"][data-status="COMPLETE"]').first().waitFor({ timeout: 30_000 });
    // The first phase is done; the interrupted one waits for the operator.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await second.getAttribute('data-status')).toBe('WAITING');
    expect(await plan(operator, 'deploy').getAttribute('data-status')).not.toBe('COMPLETE');
    await operator.shot('phase-interrupted');
    await second.locator('.phase-head button[data-action="continue"]').click();
    await page.locator('[data-testid="plans"] [data-testid="plan-tree"][data-plan="deploy"][data-status="COMPLETE"]').waitFor({ timeout: 30_000 });
  });

  it("restarts a pod after confirming, sees its task id change, and finds the relaunch in the restart's causal chain", async () => {
    const { page } = operator;
    await page.goto(`${cluster.ensemble.gatewayUrl}/ui/#/service/hello-world/pods`);
    const taskId = page.locator('[data-testid="pod-task"][data-pod="hello-0"] [data-testid="task-id"]');
    const before = await taskId.textContent();
    expect(before).toMatch(/hello-0-server__/);
    await page.locator('[data-testid="pod-task"][data-pod="hello-0"] button[data-action="pod-restart"]').click();
    // Cancelling changes nothing; confirming restarts.
    await page.getByTestId('confirm-no').click();
    await page.locator('[data-testid="pod-task"][data-pod="hello-0"] button[data-action="pod-restart"]').click();
    await page.getByTestId('confirm-yes').click();
    await page.getByTestId('command-outcome').filter({ hasText: 'Restarting hello-0' }).waitFor();
    await eventually(async () => expect(await taskId.textContent()).not.toBe(before), { timeoutMs: 30_000, what: 'a new task id for hello-0' });
    await operator.shot('pod-restarted');
    await page.getByRole('link', { name: 'Causal chain' }).click();
    await page.locator('[data-testid="chain-node"][data-type="TaskLaunched"]').first().waitFor({ timeout: 15_000 });
    const types = await page.locator('[data-testid="chain-node"]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-type')));
    expect(types).toContain('PodRestartRequested');
    await operator.shot('causal-chain');
  });

  it('moves the time-travel slider back and sees the step PENDING, with the events in between', async () => {
    const { page } = operator;
    await page.goto(`${cluster.ensemble.gatewayUrl}/ui/#/service/hello-world/plans`);
    await plan(operator, 'deploy').waitFor();
    await page.getByTestId('time-travel-toggle').first().click();
    const slider = page.getByTestId('time-travel-slider');
    await slider.focus();
    await page.keyboard.press('Home');
    const then = page.locator('[data-testid="time-travel"] [data-testid="plan-tree"]');
    await eventually(async () => expect(await then.locator('[data-testid="step"]').first().getAttribute('data-status')).toBe('PENDING'), {
      timeoutMs: 10_000,
      what: 'the step PENDING at the start of the log',
    });
    expect(await page.getByTestId('events-between').locator('li').count()).toBeGreaterThan(3);
    await operator.shot('time-travel');
  });

  it('shows a viewer no operator buttons, and the gateway refuses a forged operator request', async () => {
    const viewer = await openConsole(browser, cluster.ensemble.gatewayUrl, { width: 390, height: 844 });
    await logIn(viewer, cluster.ensemble.tokens.viewer);
    await viewer.page.goto(`${cluster.ensemble.gatewayUrl}/ui/#/service/hello-world/plans`);
    await viewer.page.locator('[data-testid="plan-tree"][data-plan="deploy"]').first().waitFor();
    expect(await viewer.page.locator('button[data-action]').count()).toBe(0);
    await viewer.page.goto(`${cluster.ensemble.gatewayUrl}/ui/#/service/hello-world/pods`);
    await viewer.page.locator('[data-testid="pod-task"]').first().waitFor();
    expect(await viewer.page.locator('button[data-action]').count()).toBe(0);
    await viewer.shot('viewer-phone');
    const forged = await viewer.page.evaluate(async () => {
      const s = (await (await fetch('/v1/session')).json()) as { csrf: string };
      const r = await fetch('/v1/service/hello-world/plans/deploy/interrupt', { method: 'POST', headers: { 'x-marshal-csrf': s.csrf } });
      return r.status;
    });
    expect(forged).toBe(403);
    // An operator's session without its CSRF header (what another page could send) is refused too.
    const noCsrf = await operator.page.evaluate(async () => (await fetch('/v1/service/hello-world/plans/deploy/interrupt', { method: 'POST' })).status);
    expect(noCsrf).toBe(403);
    // The browser logs the two refusals this test provoked; nothing else.
    expect(operator.errors).toEqual([expect.stringMatching(/status of 403/)]);
    operator.errors.length = 0;
    expect(viewer.errors).toEqual([expect.stringMatching(/status of 403/)]);
    expect(viewer.dialogs).toEqual([]);
    await viewer.context.close();
  });

  it('renders a phase named like markup as text', async () => {
    // Service names become NATS subject tokens and cannot hold spaces; a phase name can hold anything YAML can.
    const { page } = operator;
    await page.goto(`${cluster.ensemble.gatewayUrl}/ui/#/service/markup/plans`);
    expect(await cluster.cli('install', markupPackage())).toMatchObject({ code: 0 });
    const phase = page.locator('[data-testid="plans"] [data-testid="phase"]').first();
    await phase.waitFor({ timeout: 30_000 });
    expect(await phase.getAttribute('data-phase')).toBe(XSS);
    expect(await phase.locator('.phase-head strong').textContent()).toBe(XSS);
    expect(await page.locator('img').count()).toBe(0);
    await operator.shot('markup-as-text');
  });
});

describe('the web console with a plan of 1,000 steps', () => {
  let cluster: Cluster;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    cluster = await startCluster([{ id: 'sim', env: { SIMULATE: '500', SIMULATE_START_LATENCY_MS: '20' } }], { readyTimeoutMs: READY_MS });
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  it('updates the plan live while it deploys, the main thread never blocked 200 ms or more', async () => {
    const c = await openConsole(browser, cluster.ensemble.gatewayUrl);
    // Every task that blocks the main thread 50 ms or more, from the first paint on (Long Tasks API).
    await c.page.addInitScript({
      content: `window.longTasks = [];
        new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });`,
    });
    await logIn(c, cluster.ensemble.tokens.viewer);
    await c.page.goto(`${cluster.ensemble.gatewayUrl}/ui/#/service/wide/plans`);
    await c.page.reload();
    await c.page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
    expect(await cluster.cli('install', widePackage(1000))).toMatchObject({ code: 0 });
    const tree = c.page.locator('[data-testid="plan-tree"][data-plan="deploy"]').first();
    await tree.waitFor({ timeout: 30_000 });
    // Watched while the deploy runs: the count of complete steps moves several times without a reload.
    const progress = new Set<string>();
    await eventually(
      async () => {
        const text = (await tree.locator('.plan-head .progress-text').textContent()) ?? '';
        progress.add(text);
        const done = Number(/^(\d+)\/1000$/.exec(text)?.[1] ?? 0);
        expect(done).toBeGreaterThanOrEqual(250);
      },
      { timeoutMs: 180_000, intervalMs: 250, what: 'a quarter of the 1,000-step deploy complete in the page' },
    );
    expect([...progress].filter((p) => /^\d+\/1000$/.test(p) && p !== '0/1000').length).toBeGreaterThan(2);
    // Scrolling the phase's list keeps working while updates arrive.
    await tree.locator('[data-testid="steps"]').first().evaluate((el) => el.scrollBy(0, 15_000));
    await tree.locator('[data-testid="step"][data-step="hello-520:[server]"]').waitFor();
    // Virtualised: a few dozen step rows in the DOM, not a thousand.
    expect(await tree.locator('[data-testid="step"]').count()).toBeLessThan(100);
    const longTasks = (await c.page.evaluate('window.longTasks')) as number[];
    expect(Math.max(0, ...longTasks)).toBeLessThan(200);
    await c.shot('thousand-steps');
    expect(c.errors).toEqual([]);
    expect(c.dialogs).toEqual([]);
  }, 300_000);
});
