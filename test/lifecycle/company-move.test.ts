import { beforeEach, describe, expect, it } from 'vitest';
import { buildHarness, CONTOSO, FABRIKAM, type Harness } from '../polling/harness.js';

/**
 * Issue 14, ALSO NOTICED: an `already_issued` answer within the idempotency window ignored a company change. A ticket
 * moved to a company of another tenant (a misfiled ticket corrected) was answered with the pass issued in the first
 * company's tenant. As the ticket follower does for a company move (src/lifecycle/follow-ticket.ts), the old pass's
 * reason is gone: it is revoked, and the press issues in the tenant the ticket belongs to now.
 */
const NOW = new Date('2026-11-26T10:00:00Z');
let h: Harness;

const press = (requestedBy = 'Alex (service desk)') => h.deps.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy });
const FABRIKAM_TENANT = { id: FABRIKAM, domain: 'fabrikam.example', name: 'Fabrikam' };
const NORTHWIND_TENANT = { id: '55555555-5555-4555-8555-555555555555', domain: 'northwind.example' };

beforeEach(() => {
  h = buildHarness({ now: NOW });
  h.entra.addTenant(FABRIKAM, 'fabrikam.example');
  h.entra.addTenant(NORTHWIND_TENANT.id, NORTHWIND_TENANT.domain);
  h.map('connectwise', '10');
  h.map('connectwise', '11', { tenant: FABRIKAM_TENANT });
  h.map('connectwise', '12');
  // The same sign-in name answers in both tenants, so only the company decides where the pass belongs.
  h.entra.addUser(CONTOSO, 'sam@contoso.example', 'Sam Lee');
  h.entra.addUser(FABRIKAM, 'sam@contoso.example', 'Sam Lee');
  h.psa.connectwise.add({ id: '100', companyId: '10', customFields: { 'New user UPN': 'sam@contoso.example' } });
});

describe('a press within the idempotency window after the ticket changed company', () => {
  it('to a company of another tenant: the old pass is revoked and a pass is issued in the new tenant', async () => {
    const first = await press();
    const old = h.entra.passes[0]!;
    expect(old.tenantId).toBe(CONTOSO);

    h.psa.connectwise.edit('100', { companyId: '11', companyName: 'Company 11' });
    h.setNow(new Date(NOW.getTime() + 60_000));
    const second = await press();

    expect(second).toMatchObject({ status: 'issued' });
    expect(second.issuanceId).not.toBe(first.issuanceId);
    expect(h.entra.passes).toHaveLength(2);
    expect(h.entra.passes[1]!.tenantId).toBe(FABRIKAM);
    expect(h.entra.deleted).toEqual([old.tap.id]);
    expect(h.entra.live.get(old.userId)).toBeUndefined();
    expect(h.passes.liveForTicket('connectwise', '100').map((p) => p.tenantId)).toEqual([FABRIKAM]);
    const revoked = h.issuances.list({ psa: 'connectwise', outcome: 'revoked' }, { limit: 5, offset: 0 }).rows;
    expect(revoked).toMatchObject([{ ticketId: '100', tenantId: CONTOSO, outcomeCode: 'COMPANY_CHANGED', requestedBy: 'Alex (service desk)' }]);
    const notes = h.psa.connectwise.notesFor('100').map((n) => n.note.text);
    expect(notes).toHaveLength(2);
    expect(notes[1]).toContain('The ticket moved from the company Company 10 to Company 11.');
    expect(notes[1]).toContain('was revoked; this pass replaces it.');
  });

  it('to a company of another tenant that does not have the user: refused there, and the first pass is left as it was', async () => {
    await press();
    const old = h.entra.passes[0]!;
    h.map('connectwise', '13', { tenant: { id: NORTHWIND_TENANT.id, domain: NORTHWIND_TENANT.domain, name: 'Northwind' } });
    h.psa.connectwise.edit('100', { companyId: '13', companyName: 'Company 13' });
    h.setNow(new Date(NOW.getTime() + 60_000));
    await expect(press()).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    expect(h.entra.deleted).toEqual([]);
    expect(h.entra.live.get(old.userId)).toBeDefined();
    expect(h.issuances.list({ psa: 'connectwise', outcome: 'revoked' }, { limit: 5, offset: 0 }).total).toBe(0);
  });

  it('to another company of the same tenant: the pass still holds and is the answer', async () => {
    const first = await press();
    h.psa.connectwise.edit('100', { companyId: '12', companyName: 'Company 12' });
    h.setNow(new Date(NOW.getTime() + 60_000));
    expect(await press()).toMatchObject({ status: 'already_issued', issuanceId: first.issuanceId });
    expect(h.entra.passes).toHaveLength(1);
    expect(h.entra.deleted).toEqual([]);
  });

  it('to an unmapped company: refused as unmapped, and the old pass is not handed back as the answer', async () => {
    await press();
    h.psa.connectwise.edit('100', { companyId: '99', companyName: 'Company 99' });
    await expect(press()).rejects.toMatchObject({ code: 'COMPANY_NOT_MAPPED' });
  });
});
