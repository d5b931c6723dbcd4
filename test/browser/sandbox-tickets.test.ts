import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CW_TICKET_LIST_PATH, CW_TICKET_PAGE_PATH } from '../../src/sandbox/connectwise/pages.js';
import { HALO_TICKET_LIST_PATH, HALO_TICKET_PAGE_PATH } from '../../src/sandbox/halo/pages.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

/**
 * The simulated PSAs' own ticket pages in Chromium: fields, status, every note/action with its flags newest first, a
 * list linking to each ticket, and a page that refreshes by itself so what the connector writes shows up.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(process.cwd(), 'docs', 'screenshots') : join(tmpdir(), 'psa-tap-screenshots');

let sandbox: Sandbox;
let browser: Browser;
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium).`);
  mkdirSync(SHOTS, { recursive: true });
  sandbox = await startSandbox();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

async function open(url: string, width = 1280): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width, height: 900 } })).newPage();
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url);
  return page;
}

/** Screenshots at the three widths the issue asks for (kept only with UPDATE_SCREENSHOTS=1). */
async function shoot(url: string, name: string) {
  for (const width of [1280, 768, 390]) {
    const page = await open(url, width);
    // Note frames (srcdoc) finish loading just after the page.
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
    await page.context().close();
  }
}

describe('simulated ConnectWise ticket pages', () => {
  it('show the ticket, its notes newest first with their flags, and a new note after the page refreshes', async () => {
    const cw = sandbox.connectwise;
    const page = await open(`${cw.url}${CW_TICKET_PAGE_PATH}?service_recid=48112`);
    expect(await page.title()).toMatch(/^Service Ticket #48112 — .+ · ConnectWise PSA \(sandbox\)$/);
    expect(await page.locator('[data-testid=status]').textContent()).toBe('New');
    expect(await page.locator('dl.fields').textContent()).toContain('New user UPN');
    const first = page.locator('article.entry').first();
    expect(await first.textContent()).toMatch(/Discussion: yes.*Internal: no/);

    cw.state.addNote(48112, { text: 'Temporary Access Pass issued for jane\nPass: Ab3$-kQ9', detailDescriptionFlag: false, internalAnalysisFlag: true, resolutionFlag: false, processNotifications: false, createdBy: 'api-tap' });
    // The page refreshes itself every 5 s; the newest note comes first.
    await expect.poll(() => page.locator('article.entry pre').first().textContent(), { timeout: 12_000, interval: 250 }).toMatch(/^Temporary Access Pass issued/);
    const top = await page.locator('article.entry').first().textContent();
    expect(top).toMatch(/Internal: yes/);
    expect(top).toMatch(/E-mail sent: no/);
    expect(await page.locator('article.entry.private').count()).toBe(1);
    await page.context().close();
    await shoot(`${cw.url}${CW_TICKET_PAGE_PATH}?service_recid=48112`, 'sandbox-connectwise-ticket');
  }, 40_000);

  it('lists tickets, most recently updated first, each linking to its page; an unknown id is a 404 page', async () => {
    const cw = sandbox.connectwise;
    cw.state.setSummary(48113, 'Touched just now');
    const page = await open(`${cw.url}${CW_TICKET_LIST_PATH}`);
    const firstRow = page.locator('tbody tr').first();
    expect(await firstRow.textContent()).toContain('#48113');
    await firstRow.locator('a').click();
    await page.waitForURL(/service_recid=48113$/);
    expect(await page.locator('h1').textContent()).toBe('Service Ticket #48113 — Touched just now');
    const missing = await page.goto(`${cw.url}${CW_TICKET_PAGE_PATH}?service_recid=1`);
    expect(missing?.status()).toBe(404);
    await page.context().close();
    await shoot(`${cw.url}${CW_TICKET_LIST_PATH}`, 'sandbox-connectwise-tickets');
  }, 40_000);
});

describe('simulated Halo ticket pages', () => {
  it('show the ticket and its actions newest first, the note HTML in a frame that runs nothing', async () => {
    const halo = sandbox.halo;
    halo.state.addAction({ ticket_id: 2012, outcome_id: 7, outcome: 'Private Note', note_html: '<p><strong>First</strong></p>', hiddenfromuser: true, sendemail: false, new_status: undefined, who: 'api' });
    const page = await open(`${halo.url}${HALO_TICKET_PAGE_PATH}?id=2012`);
    expect(await page.locator('h1').textContent()).toMatch(/^Ticket #2012 — /);
    halo.state.addAction({ ticket_id: 2012, outcome_id: 7, outcome: 'Private Note', note_html: '<p>Second<script>parent.document.title="owned"</script></p>', hiddenfromuser: true, sendemail: false, new_status: 21, who: 'api' });
    await expect.poll(() => page.locator('article.entry').count(), { timeout: 12_000, interval: 250 }).toBe(2);
    const top = page.locator('article.entry').first();
    expect(await top.textContent()).toMatch(/#2.*Private: yes.*E-mail sent: no.*status → /);
    expect(await top.locator('iframe').getAttribute('sandbox')).toBe('');
    const frame = page.frameLocator('article.entry >> nth=0 >> iframe');
    expect(await frame.locator('p').innerText()).toBe('Second');
    expect(await page.title()).not.toBe('owned');
    await page.context().close();
    await shoot(`${halo.url}${HALO_TICKET_PAGE_PATH}?id=2012`, 'sandbox-halo-ticket');
    await shoot(`${halo.url}${HALO_TICKET_LIST_PATH}`, 'sandbox-halo-tickets');
  }, 60_000);

  it('had no script errors or CSP violations', () => {
    // Scripts inside note frames are blocked by the sandbox attribute, and one test opens a missing ticket on purpose:
    // those two are the point, not page faults.
    expect(problems.filter((p) => !/sandboxed|Blocked script execution|status of 404/i.test(p))).toEqual([]);
  });
});
