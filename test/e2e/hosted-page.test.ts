import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_IDS } from '../../src/sandbox/index.js';
import { connectWiseInternalNotes, killAllConnectors, passInText, startConnectorProcess, startWorld, waitFor, type ConnectorProcess, type World } from './harness.js';

/**
 * A technician on a ConnectWise ticket, in a real browser: the simulated ConnectWise screen frames the connector's
 * hosted page (served by the connector process), answers its getMemberAuthentication request, and one click on
 * "Issue TAP" puts an internal note with the pass on the ticket.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

let world: World;
let connector: ConnectorProcess;
let browser: BrowserContext | undefined;
const pageProblems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: install Debian's package (apt-get install -y chromium); .ci/run does this in CI.`);
  }
  world = await startWorld({ now: new Date() });
  world.seedMappings();
  connector = await startConnectorProcess(world.env({ overrides: { CW_HOSTED_FRAME_ANCESTORS: world.sandbox.connectwise.url } }));
  browser = await chromium.launchPersistentContext(join(world.dir, 'chromium-profile'), { executablePath: CHROMIUM, args: ARGS, headless: true });
}, 45_000);

afterAll(async () => {
  await browser?.close();
  await killAllConnectors();
  await world?.close();
});

describe('the ConnectWise hosted page in headless Chromium', () => {
  it('inside the simulated ConnectWise ticket screen issues a TAP with one click and the note appears on the ticket', async () => {
    const page = await browser!.newPage();
    // A script error, a CSP violation or a failed request (other than the browser's favicon probe) is a broken page.
    page.on('pageerror', (e) => pageProblems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageProblems.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && !r.url().endsWith('/favicon.ico') && pageProblems.push(`${r.status()} ${r.url()}`));
    const hosted = `${connector.url}/psa/connectwise/hosted?id=[cw_id]`;
    // Ticket 48112: "Lost phone - reset MFA for Alice Jansen" (Contoso); technician jsmith is signed in to ConnectWise.
    await page.goto(`${world.sandbox.connectwise.url}/hosted-host?url=${encodeURIComponent(hosted)}&id=48112&member=jsmith`);

    const frame = page.frameLocator('#hosted');
    const app = frame.locator('#tap-app');
    await app.and(frame.locator('[data-state="ready"]')).waitFor({ timeout: 15_000 }).catch(async (error: unknown) => {
      throw new Error(`the hosted page did not become ready (state ${await app.getAttribute('data-state')}, error "${await frame.locator('#tap-error').textContent()}", console ${JSON.stringify(pageProblems)}): ${String(error)}`);
    });
    expect(await frame.locator('#tap-user').textContent()).toContain('alice.jansen@contoso.example');
    expect(await frame.locator('#tap-mapping').getAttribute('data-status')).toBe('mapped');
    expect(connectWiseInternalNotes(world.sandbox, 48112)).toHaveLength(0);

    await frame.locator('#tap-issue').click();
    await app.and(frame.locator('[data-state="done"]')).waitFor({ timeout: 15_000 }).catch(async (error: unknown) => {
      throw new Error(`no pass issued (state ${await app.getAttribute('data-state')}, error "${await frame.locator('#tap-error').textContent()}"): ${String(error)}`);
    });
    expect(await frame.locator('#tap-result').getAttribute('data-status')).toBe('issued');
    expect(await frame.locator('#tap-error').isHidden()).toBe(true);
    expect(await frame.locator('#tap-result-note').textContent()).toContain('The pass is in a new internal note on this ticket.');

    const tap = world.sandbox.entra.state.tap(TENANT_IDS.contoso, 'alice.jansen@contoso.example');
    expect(tap, 'Graph holds a TAP for Alice in Contoso').toBeDefined();
    expect(world.sandbox.entra.state.tapsCreated).toHaveLength(1);
    const notes = await waitFor(() => {
      const found = connectWiseInternalNotes(world.sandbox, 48112);
      return found.length > 0 && found;
    }, { what: 'the internal note on ticket 48112' });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ internalAnalysisFlag: true, detailDescriptionFlag: false, processNotifications: false });
    expect(passInText(notes[0]!.text)).toBe(tap!.temporaryAccessPass);
    expect(notes[0]!.text).toMatch(/^Requested by:\s+ConnectWise member jsmith$/m);
    // The pass goes to the ticket only: the technician's browser never receives it.
    expect(await page.content()).not.toContain(tap!.temporaryAccessPass);
    expect(await frame.locator('body').innerHTML()).not.toContain(tap!.temporaryAccessPass);
    // The host saw the page ask for the member's authentication, as ConnectWise's Hosted API expects.
    const events = (await page.evaluate('window.cwHostEvents')) as { hosted_request?: string }[];
    expect(events.some((e) => e.hosted_request === 'getMemberAuthentication')).toBe(true);
    expect(pageProblems).toEqual([]);
  }, 40_000);
});
