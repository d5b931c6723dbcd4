import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_IDS } from '../../src/sandbox/index.js';
import { connectWiseInternalNotes, killAllConnectors, passInText, startConnectorProcess, startWorld, waitFor, type ConnectorProcess, type World } from './harness.js';

/**
 * A technician on a ConnectWise ticket, in a real browser: the simulated ConnectWise screen frames the connector's
 * hosted page (served by the connector process) and speaks the Hosted API as strictly as ConnectWise — MessageFrameID
 * only after the page's "ready", `hosted_request` only, every event to be acknowledged — and one click on "Issue TAP"
 * puts an internal note with the pass on the ticket. Any protocol violation or unacknowledged event fails the test.
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

interface HostRecord {
  received: unknown[];
  sent: unknown[];
  violations: unknown[];
}

// Evaluated in the simulated ConnectWise page (a string: this project's TypeScript has no DOM types).
const hostRecord = (page: Page) =>
  page.evaluate<HostRecord>('({ received: window.cwHost.received, sent: window.cwHost.sent, violations: window.cwHost.violations })');

async function expectAllAcknowledged(page: Page): Promise<void> {
  // Acknowledgements travel by postMessage: give them a moment, then the count must be 0.
  await page.locator('#cw-unacknowledged[data-count="0"]').waitFor({ timeout: 5_000 }).catch(() => undefined);
  expect(await page.locator('#cw-unacknowledged').getAttribute('data-count'), 'unacknowledged Hosted API events').toBe('0');
}

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
    // The protocol as ConnectWise's Hosted API speaks it: "ready" first, MessageFrameID only after it, the member asked
    // for with hosted_request and the frame id, every event acknowledged, nothing ConnectWise would ignore.
    const host = await hostRecord(page);
    expect(host.violations).toEqual([]);
    expect(host.received[0]).toEqual({ message: 'ready' });
    expect(host.sent[0]).toEqual({ MessageFrameID: expect.any(String) });
    const frameID = (host.sent[0] as { MessageFrameID: string }).MessageFrameID;
    expect(host.received).toContainEqual({ hosted_request: 'getMemberAuthentication', frameID });
    expect(host.received).toContainEqual({ event: 'onLoad', _id: expect.any(String), result: 'success', frameID });
    await expectAllAcknowledged(page);

    // A pod's beforeSave blocks the ticket from saving until the page acknowledges it.
    await page.locator('#cw-save').click();
    await page.locator('#cw-save-status[data-state="saved"]').waitFor({ timeout: 5_000 });
    await expectAllAcknowledged(page);

    // A second pass needs ConnectWise to confirm the member again (a fresh single-use action token).
    await frame.locator('#tap-reissue').check();
    await frame.locator('#tap-issue').click();
    await waitFor(() => world.sandbox.entra.state.tapsCreated.length === 2, { what: 'the second TAP' });
    await app.and(frame.locator('[data-state="done"]')).waitFor({ timeout: 15_000 });
    const after = await hostRecord(page);
    expect(after.received.filter((m) => (m as { hosted_request?: string }).hosted_request === 'getMemberAuthentication')).toHaveLength(2);
    expect(after.violations).toEqual([]);
    await expectAllAcknowledged(page);

    // "Revoke pass": ConnectWise confirms the member once more, the pass is deleted in Graph and the ticket says so.
    await frame.locator('#tap-revoke').click();
    await app.and(frame.locator('[data-state="revoked"]')).waitFor({ timeout: 15_000 }).catch(async (error: unknown) => {
      throw new Error(`not revoked (state ${await app.getAttribute('data-state')}, error "${await frame.locator('#tap-error').textContent()}"): ${String(error)}`);
    });
    expect(world.sandbox.entra.state.tap(TENANT_IDS.contoso, 'alice.jansen@contoso.example'), 'the pass is gone from Graph').toBeUndefined();
    expect(await frame.locator('#tap-revoke-result').textContent()).toContain('Revoked the pass of alice.jansen@contoso.example');
    const revokedNote = await waitFor(() => connectWiseInternalNotes(world.sandbox, 48112).find((n) => n.text.includes('Temporary Access Pass revoked')), { what: 'the revoke note on ticket 48112' });
    expect(revokedNote.text).toMatch(/Revoked by:?\s+ConnectWise member jsmith/);
    const end = await hostRecord(page);
    expect(end.received.filter((m) => (m as { hosted_request?: string }).hosted_request === 'getMemberAuthentication')).toHaveLength(3);
    expect(end.violations).toEqual([]);
    await expectAllAcknowledged(page);
    expect(pageProblems).toEqual([]);
  }, 60_000);

  it('the simulated ConnectWise never sends MessageFrameID to a page that does not say "ready", and counts events left unacknowledged', async () => {
    const page = await browser!.newPage();
    // A framed page with no Hosted API script at all (a JSON document the simulated ConnectWise serves).
    const silent = `${world.sandbox.connectwise.url}/login/companyinfo/${world.sandbox.connectwise.companyId}`;
    await page.goto(`${world.sandbox.connectwise.url}/hosted-host?url=${encodeURIComponent(silent)}&id=48112&member=jsmith`);
    await page.frameLocator('#hosted').locator('body').waitFor({ timeout: 5_000 });
    const framed = page.frames().find((f) => f.url() === silent)!;
    await page.waitForTimeout(500);
    expect((await hostRecord(page)).sent).toEqual([]);
    // It says "ready" but never acknowledges: the host sends MessageFrameID and onLoad, and shows one event waiting.
    await framed.evaluate(`window.parent.postMessage(JSON.stringify({ message: 'ready' }), '*')`);
    await page.locator('#cw-unacknowledged[data-count="1"]').waitFor({ timeout: 5_000 });
    expect((await hostRecord(page)).sent.map((m) => Object.keys(m as object)[0])).toEqual(['MessageFrameID', 'event']);
    await page.locator('#cw-save').click();
    await page.locator('#cw-unacknowledged[data-count="2"]').waitFor({ timeout: 5_000 });
    expect(await page.locator('#cw-save-status').getAttribute('data-state')).toBe('saving');
    await page.close();
  }, 30_000);
});
