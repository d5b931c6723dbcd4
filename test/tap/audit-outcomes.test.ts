import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors.js';
import { pressButton } from '../helpers/button.js';
import { buildHarness, CONTOSO, TEST_SECRETS, type TestHarness } from '../helpers/services.js';

/**
 * Every press that does not issue leaves one audit row, and whether it was refused (the customer's state says no) or
 * failed (upstream trouble, our fault) is decided the same way on every path.
 */
const NOW = new Date('2026-11-26T10:00:00Z');
let h: TestHarness;

const press = (body: Record<string, unknown> = {}, ticketId = '100') =>
  pressButton(h.app, 'connectwise', ticketId, body, { secret: TEST_SECRETS.cwButton });

const rows = () => h.services.issuances.list({}, { limit: 100, offset: 0 }).rows;

beforeEach(() => {
  h = buildHarness({ now: NOW });
  h.entra.addUser(CONTOSO, 'jane@contoso.example', { displayName: 'Jane Doe' });
  h.map('connectwise', '10', { companyName: 'Contoso Ltd' });
  h.psa.connectwise.addTicket({ id: '100', companyId: '10', companyName: 'Contoso Ltd', customFields: { 'New user UPN': 'jane@contoso.example' } });
  h.psa.connectwise.addTicket({ id: '101', companyId: '99', companyName: 'Unmapped Co' });
});

describe('refused or failed, audited in one place', () => {
  it('an Entra outage while checking a named user\'s domain is audited as a failure', async () => {
    vi.spyOn(h.entra, 'getOrganization').mockRejectedValue(new AppError('UPSTREAM_UNAVAILABLE'));
    const res = await press({ userPrincipalName: 'jane@contoso.example' });
    expect(res.status).toBe(503);
    expect(rows()).toEqual([
      expect.objectContaining({ outcome: 'failed', outcomeCode: 'UPSTREAM_UNAVAILABLE', psa: 'connectwise', ticketId: '100', companyId: '10', tenantId: CONTOSO, userPrincipalName: 'jane@contoso.example' }),
    ]);
  });

  it('Entra refusing the domain check (no consent in the tenant) is audited as a refusal', async () => {
    vi.spyOn(h.entra, 'getOrganization').mockRejectedValue(new AppError('ENTRA_ACCESS_DENIED'));
    const res = await press({ userPrincipalName: 'jane@contoso.example' });
    expect(res.status).toBe(502);
    expect(rows()).toEqual([expect.objectContaining({ outcome: 'refused', outcomeCode: 'ENTRA_ACCESS_DENIED', ticketId: '100' })]);
  });

  it('the ticket layer and the use case agree: refusals are "refused", upstream trouble is "failed"', async () => {
    await press({}, '101'); // company not mapped: decided before the use case
    h.entra.createErrors.push(new AppError('UPSTREAM_THROTTLED'));
    await press({}); // Graph throttles the create: inside the use case
    h.entra.addUser(CONTOSO, 'root@contoso.example', { roles: ['Global Administrator'] });
    await press({ userPrincipalName: 'root@contoso.example', reissue: true }); // privileged: inside the use case
    const byCode = Object.fromEntries(rows().map((r) => [r.outcomeCode, r.outcome]));
    expect(byCode).toEqual({ COMPANY_NOT_MAPPED: 'refused', UPSTREAM_THROTTLED: 'failed', USER_PRIVILEGED: 'refused' });
  });

  it('a pass that could not be recorded is revoked and the attempt is still audited, as a failure', async () => {
    vi.spyOn(h.services.outbox, 'enqueueClaimed').mockImplementation(() => {
      throw new Error('disk I/O error');
    });
    const res = await press({});
    expect(res.status).toBe(500);
    expect(h.entra.deleted).toHaveLength(1);
    expect(rows()).toEqual([expect.objectContaining({ outcome: 'failed', outcomeCode: 'INTERNAL', ticketId: '100', userPrincipalName: 'jane@contoso.example' })]);
  });

  it('a ticket the PSA cannot be read for is audited as a failure with what is known', async () => {
    vi.spyOn(h.psa.connectwise, 'getTicket').mockRejectedValue(new AppError('UPSTREAM_UNAVAILABLE'));
    const res = await press({});
    expect(res.status).toBe(503);
    expect(rows()).toEqual([expect.objectContaining({ outcome: 'failed', outcomeCode: 'UPSTREAM_UNAVAILABLE', psa: 'connectwise', ticketId: '100', companyId: null })]);
  });
});
