import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createPollingStore } from '../../src/polling/store.js';
import { CW_COMPANY_IDS, TENANT_IDS, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { startConnector, type RunningConnector } from '../../src/server.js';
import type { TestHarness } from '../helpers/services.js';
import { ADMIN, AdminClient, adminHarness, signedIn, testPasswordHash } from './helpers.js';

/** The admin "Setup check" (the doctor's checks on a page) and "Onboarding" (tickets still waiting) pages. */

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ')
    .replace(/ :/g, ':');

describe('Setup check page', () => {
  let sandbox: Sandbox;
  let running: RunningConnector;
  let client: AdminClient;
  beforeAll(async () => {
    sandbox = await startSandbox();
    const config = loadConfig(
      { ...sandbox.env, TAP_SEAL_KEY: Buffer.alloc(32, 3).toString('base64'), DATABASE_PATH: ':memory:', ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD_HASH: await testPasswordHash() },
      { trustedCaPem: sandbox.entra.caPem, port: 0 },
    );
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    running = await startConnector(config, { logDestination: quiet });
    running.services.mappings.upsert('connectwise', String(CW_COMPANY_IDS.contoso), {
      companyName: 'Contoso Ltd',
      tenantId: TENANT_IDS.contoso,
      timeZone: 'Europe/Amsterdam',
      activationHour: 8,
      defaultLifetimeMinutes: null,
      usableOnce: false,
      allowPrivileged: false,
      enabled: true,
    });
    client = new AdminClient({ app: createApp(running.services) } as TestHarness);
    const res = await client.signIn();
    expect(res.status).toBe(303);
  });
  afterAll(async () => {
    await running.stop();
    await sandbox.close();
  });

  it('shows every check passing against the simulators, and is in the navigation', async () => {
    const res = await client.get('/admin/setup');
    expect(res.status).toBe(200);
    const page = text(client.lastHtml);
    expect(page).toContain('Everything configured works.');
    expect(page).toMatch(/✔ Passed: Codebase: v\d{4}_\d\//);
    expect(page).toContain(`Tenant ${TENANT_IDS.contoso} — Contoso Ltd (ConnectWise ${CW_COMPANY_IDS.contoso})`);
    expect(page).not.toContain('✘');
    expect(page).toContain('? Not confirmed: HALO_NOTE_OUTCOME_ID: 7 — Halo documents no read of its outcomes');
    expect(client.lastHtml).toContain('<a href="/admin/setup" aria-current="page">Setup check</a>');
  });

  it('shows a failing check with its fix in one sentence', async () => {
    running.services.mappings.upsert('halo', '14', {
      companyName: 'Northwind Traders',
      tenantId: TENANT_IDS.northwind,
      timeZone: 'UTC',
      activationHour: 8,
      defaultLifetimeMinutes: null,
      usableOnce: false,
      allowPrivileged: false,
      enabled: true,
    });
    try {
      await client.get('/admin/setup');
      const page = text(client.lastHtml);
      expect(page).toContain('1 check failed.');
      expect(page).toContain('✘ Failed: TAP policy: the Temporary Access Pass method is disabled Fix: Enable Temporary Access Pass in Entra');
    } finally {
      running.services.mappings.remove('halo', '14');
    }
  });
});

describe('Onboarding page', () => {
  it('lists scheduled, waiting-for-account and needs-input tickets with the next action in the customer zone and a ticket link', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { companyName: 'Contoso Ltd', timeZone: 'Europe/Amsterdam' });
    h.map('halo', '7', { companyName: 'Adatum GmbH', timeZone: 'America/New_York' });
    const store = createPollingStore(h.services.storage.db);
    const now = new Date('2026-12-01T10:00:00Z');
    store.record('connectwise', '48112', { state: 'scheduled', fingerprint: 'a', ticketUpdatedAt: null }, now);
    store.schedule({ psa: 'connectwise', ticketId: '48112', companyId: '101', userPrincipalName: 'jane.doe@contoso.example', startDate: '2026-12-07', startAt: new Date('2026-12-07T07:00:00Z'), issueAt: new Date('2026-12-04T07:00:00Z') }, now);
    store.record('halo', '2013', { state: 'waiting_user', fingerprint: 'b', ticketUpdatedAt: null, detail: 'USER_NOT_FOUND' }, now);
    store.schedule({ psa: 'halo', ticketId: '2013', companyId: '7', userPrincipalName: 'sam.lee@adatum.example', startDate: '2026-12-03', startAt: new Date('2026-12-03T14:00:00Z'), issueAt: new Date('2026-12-01T11:00:00Z'), attempts: 2 }, now);
    store.record('connectwise', '48115', { state: 'needs_input', fingerprint: 'c', ticketUpdatedAt: null, detail: 'start date "03/12/26" is ambiguous' }, now);
    store.record('connectwise', '48100', { state: 'issued', fingerprint: 'd', ticketUpdatedAt: null }, now);

    const client = await signedIn(h);
    const res = await client.get('/admin/onboarding');
    expect(res.status).toBe(200);
    const rows = [...client.lastHtml.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((m) => text(m[1]!).trim());
    expect(rows).toEqual([
      expect.stringMatching(/^#48115 ConnectWise Needs input start date "03\/12\/26" is ambiguous — — when the ticket changes Looked at again as soon as the ticket is edited\.$/),
      expect.stringMatching(/^#2013 Adatum GmbH · HaloPSA Waiting for the account USER_NOT_FOUND sam\.lee@adatum\.example 2026-12-03 09:00 EST 2026-12-01 06:00 EST .* 2 attempts so far$/),
      expect.stringMatching(/^#48112 Contoso Ltd · ConnectWise Scheduled jane\.doe@contoso\.example 2026-12-07 08:00 GMT\+1 2026-12-04 08:00 GMT\+1 The pass is created then/),
    ]);
    expect(client.lastHtml).toContain('title="2026-12-04 07:00 UTC"');
    expect(client.lastHtml).toMatch(/<a href="[^"]*service_recid=48112" target="_blank"/);
    expect(text(client.lastHtml)).toContain('1 scheduled · 1 waiting for the account · 1 needs input');
  });
});
