import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { hashPassword } from '../../src/http/admin/passwords.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { seedSandboxMappings } from '../../src/sandbox/mode.js';
import { startConnector, type RunningConnector } from '../../src/server.js';

/**
 * The admin's first sitting, in a real browser against the real app and the simulated PSAs and Entra: sign in, find a
 * company, map it by domain, see the tenant's TAP policy, see the mapping in the list, sign out.
 */
const CHROMIUM = '/usr/bin/chromium';
// Scripts run in the page are passed as strings: the test project compiles without the DOM library.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const PASSWORD = 'browser-test password 42';
// The README's screenshot is refreshed with UPDATE_SCREENSHOTS=1; otherwise it goes to a temp folder (a clean tree).
const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS === '1' ? join(process.cwd(), 'docs') : join(tmpdir(), 'psa-tap-screenshots');
const SCREENSHOT = join(SCREENSHOT_DIR, 'admin-companies.png');

let sandbox: Sandbox | undefined;
let connector: RunningConnector | undefined;
let browser: Browser | undefined;
let dataDir: string | undefined;
const pageProblems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}. Install Debian's package (apt-get install -y chromium); .ci/run does this in CI.`);
  }
  sandbox = await startSandbox();
  dataDir = mkdtempSync(join(tmpdir(), 'admin-browser-'));
  const config = loadConfig({
    ...sandbox.env,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DATABASE_PATH: join(dataDir, 'connector.sqlite'),
    TAP_SEAL_KEY: Buffer.alloc(32, 9).toString('base64'),
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD_HASH: await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }),
    // Port 0: a random free port. The simulated Entra's certificate is trusted by the connector's Entra clients only
    // (as in sandbox mode).
  }, { port: 0, trustedCaPem: sandbox.entra.caPem });
  connector = await startConnector(config);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await connector?.stop();
  await sandbox?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function newPage(): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  // A CSP violation or a script error means the page does not work as served.
  page.on('console', (m) => m.type() === 'error' && pageProblems.push(m.text()));
  page.on('pageerror', (e) => pageProblems.push(e.message));
  return page;
}

describe('admin pages in a browser', () => {
  it('signs in, searches, maps a company by domain, sees the policy and the mapping, signs out', async () => {
    const page = await newPage();
    const url = connector!.url;

    // ConnectWise's company listing is held: the page must not wait for it.
    let release!: () => void;
    const held = sandbox!.connectwise.faults.add({ method: 'GET', path: '/company/companies', hold: new Promise<void>((r) => (release = r)) });
    await page.goto(`${url}/admin/companies`);
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}/admin/companies`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Companies');
    // The first visit finds the company lists being read in the background; once the listing is let go the page
    // reloads itself (admin.js) until they are in.
    expect(await page.getByText('Reading companies from ConnectWise…').count()).toBe(1);
    release();
    await expect.poll(() => page.getByText(/Reading companies from|Refreshing from/).count(), { timeout: 20_000 }).toBe(0);
    expect(held.hits).toBe(1);
    expect(await page.locator('p.muted.small').last().textContent()).toMatch(/ConnectWise: \d+ companies as of .* · HaloPSA: \d+ companies as of/);
    // The stylesheet loaded under the CSP (the page background comes from it).
    expect(await page.evaluate('getComputedStyle(document.documentElement).backgroundColor')).toBe('rgb(246, 248, 250)');

    await page.getByLabel('Search').fill('Contoso');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/q=Contoso/);
    const rows = page.locator('table.list tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.allTextContents()) expect(text).toContain('Contoso');

    const cwRow = page.getByRole('row').filter({ hasText: 'ConnectWise' }).filter({ hasText: 'Contoso Ltd' }).first();
    await cwRow.getByRole('link', { name: 'Map Contoso Ltd' }).click();
    await page.getByLabel('Tenant domain or tenant id').fill('contoso.example');
    await page.getByLabel('Time zone').selectOption('Europe/Amsterdam');
    await page.getByRole('button', { name: 'Map and test connection' }).click();

    await expect.poll(() => page.locator('.notice.ok').first().textContent()).toContain('is now mapped to');
    const policy = page.getByTestId('tap-policy');
    await policy.waitFor();
    expect(await policy.textContent()).toMatch(/Enabled.*lifetime \d+ min.*default \d+ min/);

    await page.getByRole('link', { name: 'Back to the companies' }).click();
    await page.getByLabel('Show').selectOption('mapped');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/state=mapped/);
    const mapped = page.getByRole('row').filter({ hasText: 'Contoso Ltd' }).filter({ hasText: 'ConnectWise' });
    expect(await mapped.textContent()).toMatch(/Mapped.*contoso\.example/);

    await page.goto(`${url}/admin/companies`);
    // Keyboard: the skip link is the first stop and is visible when focused.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent?.trim()')).toBe('Skip to content');

    // For the README: the companies the sandbox maps at start (npm start), so the screenshot shows what a new admin
    // sees. One customer in both PSAs is one customer: no tenant is flagged as shared.
    seedSandboxMappings(connector!.services);
    await page.goto(`${url}/admin/companies?state=mapped`);
    expect(await page.locator('table.list tbody tr').count()).toBe(6);
    expect(await page.getByText('Tenant mapped to several companies').count()).toBe(0);
    await page.goto(`${url}/admin/companies`);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${url}/admin/sign-in`);
    await page.goto(`${url}/admin/companies`);
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');

    expect(pageProblems).toEqual([]);
  }, 60_000);
});
