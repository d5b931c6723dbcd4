import { beforeEach, describe, expect, it } from 'vitest';
import { buildHarness, CONTOSO, FABRIKAM, type Harness } from '../polling/harness.js';

/**
 * Review of issue 12 (a pass follows its ticket): the follower compares the ticket's user and start date with the pass,
 * but not its company. A ticket moved to another company after its pass was issued (a misfiled ticket corrected, or a
 * hostile edit) keeps the pass issued in the first company's tenant.
 */
const NOW = new Date('2026-11-26T10:00:00Z');
let h: Harness;

describe.each(['connectwise', 'halo'] as const)('%s: a ticket moved to another company', (kind) => {
  const first = kind === 'connectwise' ? '10' : '55';
  const second = kind === 'connectwise' ? '11' : '56';
  const fields = (upn: string, date: string) => (kind === 'connectwise' ? { 'New user UPN': upn, 'Start date': date } : { CFNewUserUPN: upn, CFStartDate: date });

  beforeEach(() => {
    h = buildHarness({ now: NOW });
    h.entra.addTenant(FABRIKAM, 'fabrikam.example');
    h.map(kind, first);
    h.map(kind, second, { companyName: 'Fabrikam', tenant: { id: FABRIKAM, domain: 'fabrikam.example', name: 'Fabrikam' } });
    h.entra.addUser(CONTOSO, 'jane@contoso.example', 'Jane Doe');
  });

  it('no longer leaves the first tenant pass live once the ticket belongs to another mapped company', async () => {
    h.psa[kind].add({ id: '300', companyId: first, customFields: fields('jane@contoso.example', '2026-11-28') });
    await h.poller.runCycle(kind);
    const pass = h.entra.passes[0]!;
    expect(pass.tenantId).toBe(CONTOSO);

    // The pass has not started; the ticket is moved to Fabrikam (same user, same date).
    h.psa[kind].edit('300', { companyId: second, companyName: 'Fabrikam' });
    await h.poller.runCycle(kind);

    // The reason the pass was issued for (Contoso's onboarding on this ticket) is gone: it must not stay live.
    expect(h.entra.deleted).toEqual([pass.tap.id]);
    expect(h.issuances.list({ psa: kind, outcome: 'revoked' }, { limit: 5, offset: 0 }).rows).toMatchObject([
      { ticketId: '300', outcomeCode: 'COMPANY_CHANGED', detail: `The ticket moved from the company Company ${first} to Fabrikam: the pass was revoked before it started.` },
    ]);
    // Jane is no Fabrikam user: nothing is issued in Fabrikam's tenant, and the ticket is told what was revoked.
    expect(h.entra.passes.filter((p) => p.tenantId === FABRIKAM)).toHaveLength(0);
    const notes = h.psa[kind].notesFor('300').map((n) => n.note.text);
    expect(notes.at(-1)).toContain(`The ticket moved from the company Company ${first} to Fabrikam.`);
    // Nothing more happens on later cycles.
    await h.poller.runCycle(kind);
    expect(h.entra.deleted).toHaveLength(1);
  });

  it('no longer leaves the pass live once the ticket belongs to an unmapped company', async () => {
    h.psa[kind].add({ id: '301', companyId: first, customFields: fields('jane@contoso.example', '2026-11-28') });
    await h.poller.runCycle(kind);
    const pass = h.entra.passes[0]!;

    h.psa[kind].edit('301', { companyId: '999', companyName: 'Someone else' });
    await h.poller.runCycle(kind);

    expect(h.entra.deleted).toEqual([pass.tap.id]);
    expect(h.entra.passes).toHaveLength(1);
    expect(h.psa[kind].notesFor('301').map((n) => n.note.text).join('\n')).toContain(`The ticket moved from the company Company ${first} to Someone else.`);
  });

  it('keeps the pass when the ticket moves to another company mapped to the same tenant (same user, same start)', async () => {
    h.map(kind, '77');
    h.psa[kind].add({ id: '302', companyId: first, customFields: fields('jane@contoso.example', '2026-11-28') });
    await h.poller.runCycle(kind);

    h.psa[kind].edit('302', { companyId: '77', companyName: 'Company 77' });
    await h.poller.runCycle(kind);

    expect(h.entra.deleted).toEqual([]);
    expect(h.psa[kind].notesFor('302')).toHaveLength(1);
  });

  it('revokes the pass when the new company is mapped but disabled', async () => {
    h.map(kind, '78', { enabled: false });
    h.psa[kind].add({ id: '303', companyId: first, customFields: fields('jane@contoso.example', '2026-11-28') });
    await h.poller.runCycle(kind);
    const pass = h.entra.passes[0]!;

    h.psa[kind].edit('303', { companyId: '78', companyName: 'Company 78' });
    await h.poller.runCycle(kind);

    expect(h.entra.deleted).toEqual([pass.tap.id]);
    expect(h.entra.passes).toHaveLength(1);
  });
});
