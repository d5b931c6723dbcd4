import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { hashPassword } from '../../src/http/admin/passwords.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { seedSandboxMappings } from '../../src/sandbox/mode.js';
import { startConnector, type RunningConnector } from '../../src/server.js';
import { waitFor } from '../e2e/harness.js';

/**
 * The admin pages a new admin reads first, in Chromium at 1280, 768 and 390 px, against the sandbox world after the
 * poller's first cycle: nothing overflows the page sideways (wide tables scroll in their own box), no script or CSP
 * error. With UPDATE_SCREENSHOTS=1 the screenshots land in docs/screenshots/.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const PASSWORD = 'browser-test password 42';
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(process.cwd(), 'docs', 'screenshots') : join(tmpdir(), 'psa-tap-screenshots');
const PAGES = [
  { path: '/admin/companies', name: 'admin-companies', heading: 'Companies' },
  { path: '/admin/suggestions', name: 'admin-suggestions', heading: 'Suggestions' },
  { path: '/admin/onboarding', name: 'admin-onboarding', heading: 'Onboarding' },
  { path: '/admin/audit', name: 'admin-audit', heading: 'Audit' },
  { path: '/admin/setup', name: 'admin-setup-check', heading: 'Setup check' },
  { path: '/admin/mappings', name: 'admin-import-export', heading: 'Import and export' },
];

let sandbox: Sandbox;
let connector: RunningConnector;
let browser: Browser;
let dataDir: string;
const problems: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  dataDir = mkdtempSync(join(tmpdir(), 'admin-pages-'));
  mkdirSync(SHOTS, { recursive: true });
  const config = loadConfig(
    {
      ...sandbox.env,
      LOG_LEVEL: 'silent',
      DATABASE_PATH: join(dataDir, 'connector.sqlite'),
      TAP_SEAL_KEY: Buffer.alloc(32, 5).toString('base64'),
      ADMIN_PASSWORD_HASH: await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }),
      CW_BUTTON_SECRET: 'browser-cw-button-secret-0123456789',
      HALO_BUTTON_SECRET: 'browser-halo-button-secret-0123456789',
    },
    { port: 0, sandbox: { caPem: sandbox.entra.caPem } },
  );
  // As `npm start` does: the sandbox's mappings before the workers start, then the poller's first cycle.
  connector = await startConnector(config, { prepare: seedSandboxMappings });
  await waitFor(() => connector.services.issuances.list({}, { limit: 50, offset: 0 }).total >= 6, { timeoutMs: 30_000, what: 'the poller to handle the seeded tickets' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await connector?.stop();
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function signedInPage(width: number): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width, height: 900 } })).newPage();
  page.on('console', (m) => m.type() === 'error' && problems.push(`${width}px: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`${width}px: ${e.message}`));
  await page.goto(`${connector.url}/admin/sign-in`);
  // The username has the focus from the start.
  expect(await page.evaluate('document.activeElement?.id')).toBe('username');
  await page.keyboard.type('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/companies$/);
  // Screenshots show the page once the PSAs' company lists are in (it reloads itself while they are read).
  // A loaded page without data-reload-after has no reload pending; a page caught mid-reload is asked again.
  const settled = () =>
    page.evaluate<boolean>("document.readyState === 'complete' && !document.querySelector('[data-reload-after]')").catch(() => false);
  await expect.poll(settled, { timeout: 20_000 }).toBe(true);
  expect(await page.getByText(/Reading companies from|Refreshing from/).count()).toBe(0);
  return page;
}

describe('admin pages at three widths', () => {
  for (const width of [1280, 768, 390]) {
    it(`read well at ${width} px: nothing wider than the screen`, async () => {
      const page = await signedInPage(width);
      for (const p of PAGES) {
        await page.goto(`${connector.url}${p.path}`);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(p.heading);
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${p.path} at ${width} px`).toBeLessThanOrEqual(1);
        await page.screenshot({ path: join(SHOTS, `${p.name}-${width}.png`), fullPage: true });
      }
      await page.context().close();
    }, 60_000);
  }

  it('show what the sandbox did: audit rows with sentences, local times, links to the simulated tickets', async () => {
    const page = await signedInPage(1280);
    await page.goto(`${connector.url}/admin/audit`);
    const firstTime = page.locator('table.audit tbody tr time').first();
    expect(await firstTime.getAttribute('title')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    expect(await page.locator('table.audit .explain').count()).toBeGreaterThan(3);
    const link = page.locator('table.audit tbody tr a').first();
    const href = (await link.getAttribute('href'))!;
    expect(href.startsWith(sandbox.connectwise.url) || href.startsWith(sandbox.halo.url)).toBe(true);
    const ticket = await (await fetch(href)).text();
    expect(ticket).toMatch(/Ticket #\d+/);
    await page.goto(`${connector.url}/admin/onboarding`);
    expect(await page.locator('table.list tbody tr').count()).toBeGreaterThan(0);
    await page.context().close();
  }, 60_000);

  it('audit: the company box is a search (no list of mappings) with suggestions; part of a name, typed and submitted, keeps that company', async () => {
    const page = await signedInPage(1280);
    await page.goto(`${connector.url}/admin/audit`);
    expect(await page.locator('select#company').count()).toBe(0);
    const companies = (await page.locator('table.audit tbody tr td:nth-child(2) .sub').allTextContents()).map((t) => t.split(' · ')[0]!).filter(Boolean);
    const name = companies.find((c) => c.length >= 6)!;
    const part = name.slice(1, 5).toUpperCase();
    await page.getByLabel('Company').fill(part);
    // admin.js fills the datalist from the bounded suggestions endpoint: exact psa:id values.
    await expect.poll(() => page.locator('#company-suggestions option').count(), { timeout: 5_000 }).toBeGreaterThan(0);
    for (const value of await page.locator('#company-suggestions option').evaluateAll((os) => os.map((o) => o.getAttribute('value') ?? ''))) expect(value).toMatch(/^(connectwise|halo):\S+$/);
    await page.getByLabel('Company').press('Enter');
    await page.waitForURL(/company=/);
    const shown = (await page.locator('table.audit tbody tr td:nth-child(2) .sub').allTextContents()).map((t) => t.split(' · ')[0]!);
    expect(shown.length).toBeGreaterThan(0);
    for (const c of shown) expect(c.toLowerCase()).toContain(part.toLowerCase());
    expect(shown.length).toBeLessThanOrEqual(companies.length);
    await page.context().close();
  }, 60_000);

  it('had no script errors or CSP violations', () => {
    expect(problems).toEqual([]);
  });
});
