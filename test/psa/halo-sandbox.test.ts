import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHaloConnector } from '../../src/psa/halo/index.js';
import { readListedTicket, type PsaConnector } from '../../src/psa/port.js';
import { startHaloServer, type HaloServer } from '../../src/sandbox/index.js';
import { defaultSeed, PSA_SETTINGS } from '../../src/sandbox/seed.js';
import { captureLogger, haloConfig } from './helpers.js';

/**
 * The Halo adapter against the simulated Halo, which gives a ticket's custom fields only with `includedetails=true`
 * (issue 10) and refuses unknown action fields: the adapter must ask for the details and write only known fields.
 */

let server: HaloServer;
let halo: PsaConnector;

beforeAll(async () => {
  const seed = defaultSeed({ now: new Date('2026-11-26T10:00:00Z') });
  server = await startHaloServer({ seed: seed.halo });
  halo = createHaloConnector({
    config: haloConfig({
      baseUrl: server.url,
      authUrl: `${server.url}/auth`,
      clientId: server.clientId,
      clientSecret: server.clientSecret,
      noteOutcomeId: PSA_SETTINGS.halo.noteOutcomeId,
      onboarding: { requestTypeId: PSA_SETTINGS.halo.requestTypeId, statusId: PSA_SETTINGS.halo.statusId },
    }),
    logger: captureLogger().logger,
  });
});
afterAll(async () => {
  await server.close();
});

describe('HaloPSA adapter against the simulated Halo', () => {
  it("reads a ticket's custom fields, asking for them with includedetails=true", async () => {
    const ticket = await halo.getTicket('2001');
    expect(ticket?.customFields['New user UPN']).toBe('lars.mulder@contoso.example');
    expect(ticket?.customFields['Start date']).toBe('2026-11-27');
    expect(server.faults.requests({ method: 'GET', path: '/api/Tickets/2001' }).map((r) => r.query)).toEqual(['includedetails=true']);
  });

  it('lists onboarding tickets without their custom fields (the list leaves them out) and reads them by id on demand', async () => {
    server.faults.reset();
    const page = await halo.listOnboardingTickets(undefined, 1);
    expect(page.tickets.length).toBeGreaterThan(0);
    for (const t of page.tickets) expect(t.customFields).toBeUndefined();
    expect(server.faults.requests({ path: /^\/api\/Tickets\/\d+$/ })).toEqual([]);
    for (const t of page.tickets) expect(Object.keys((await readListedTicket(halo, t))!.customFields)).toContain('New user UPN');
    expect(server.faults.requests({ path: /^\/api\/Tickets\/\d+$/ })).toHaveLength(page.tickets.length);
  });

  it('writes a private note the simulated Halo accepts', async () => {
    await halo.writePrivateNote('2010', { text: 'TAP issued', html: '<p>TAP issued</p>' });
    expect(server.state.actions(2010).at(-1)).toMatchObject({ hiddenfromuser: true, sendemail: false, note_html: '<p>TAP issued</p>' });
  });
});
