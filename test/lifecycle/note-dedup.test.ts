import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildHarness, CONTOSO, type Harness } from '../polling/harness.js';

/**
 * Issue 12, "Notes only when something changed": 7 identical refusal notes on one ticket in 5 minutes, one per mapping
 * save or CSV import, and a button press followed by a poller copy 6 s later.
 */
const NOW = new Date('2026-11-26T10:00:00Z');
let h: Harness;

beforeEach(() => {
  h = buildHarness({ now: NOW });
  h.map('halo', '55');
  h.map('connectwise', '10');
});

const mappingInput = (activationHour: number) => ({
  companyName: 'Company 55',
  tenantId: CONTOSO,
  tenantDomain: 'contoso.example',
  tenantName: 'Contoso',
  timeZone: 'Europe/Amsterdam',
  activationHour,
  defaultLifetimeMinutes: 480,
  usableOnce: false,
  allowPrivileged: false,
  enabled: true,
});

describe('a refusal is noted once per distinct outcome per ticket', () => {
  it('seven mapping saves (form and CSV import) do not repeat the refusal note', async () => {
    const user = h.entra.addUser(CONTOSO, 'off@contoso.example');
    user.accountEnabled = false;
    h.psa.halo.add({ id: '7', companyId: '55', customFields: { CFNewUserUPN: 'off@contoso.example', CFStartDate: '2026-11-27' } });

    await h.poller.runCycle('halo');
    expect(h.psa.halo.notesFor('7')).toHaveLength(1);
    for (let i = 0; i < 7; i += 1) {
      await sleep(3);
      if (i % 2 === 0) h.mappings.upsert('halo', '55', mappingInput(8));
      else h.mappings.upsertMany([{ psa: 'halo', companyId: '55', input: mappingInput(8) }]);
      await h.poller.runCycle('halo');
    }

    const notes = h.psa.halo.notesFor('7');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.note.text).toContain('Account disabled');
    // Every save was looked at (the refusal is in the audit each time); only the note is not repeated.
    expect(h.issuances.list({ psa: 'halo', outcome: 'refused' }, { limit: 20, offset: 0 }).total).toBeGreaterThan(1);
  });

  it('a different outcome is noted: the account enabled but now privileged, or a pass issued then refused again', async () => {
    const user = h.entra.addUser(CONTOSO, 'off@contoso.example');
    user.accountEnabled = false;
    h.psa.halo.add({ id: '7', companyId: '55', customFields: { CFNewUserUPN: 'off@contoso.example', CFStartDate: '2026-11-27' } });
    await h.poller.runCycle('halo');
    await sleep(3);
    h.mappings.upsert('halo', '55', { ...mappingInput(8), enabled: false });
    await h.poller.runCycle('halo');
    const notes = h.psa.halo.notesFor('7').map((n) => n.note.text);
    expect(notes).toHaveLength(2);
    expect(notes[1]).toContain('Company disabled');
  });

  it('a button press refused, then the poller 6 s later: one note', async () => {
    h.psa.connectwise.add({ id: '100', companyId: '99', customFields: { 'New user UPN': 'ann@contoso.example', 'Start date': '2026-11-27' } });

    await expect(h.deps.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 'ConnectWise button' })).rejects.toMatchObject({ code: 'COMPANY_NOT_MAPPED' });
    h.setNow(new Date(NOW.getTime() + 6_000));
    await h.poller.runCycle('connectwise');

    expect(h.psa.connectwise.notesFor('100')).toHaveLength(1);
    expect(h.ledger('connectwise', '100')).toMatchObject({ state: 'refused' });
  });

  it('the needs-input note is not repeated when the mapping is saved', async () => {
    h.psa.halo.add({ id: '9', companyId: '55', customFields: { CFStartDate: '2026-11-27' } });
    await h.poller.runCycle('halo');
    for (let i = 0; i < 3; i += 1) {
      await sleep(3);
      h.mappings.upsert('halo', '55', mappingInput(8));
      h.psa.halo.edit('9', { summary: `New starter ${i}` });
      await h.poller.runCycle('halo');
    }
    expect(h.psa.halo.notesFor('9')).toHaveLength(1);
  });
});
