import { describe, expect, it } from 'vitest';
import { adminHarness, CONTOSO, signedIn } from '../admin/helpers.js';

/** Issue 12: the admin Audit page shows revoked, replaced, rescheduled, cancelled, enrolled and expired with their sentence. */
const rowsOf = (html: string) =>
  [...html.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)][0]![1]!
    .split('</tr>')
    .map((r) => r.replace(/<[^>]+>/g, ' ').replace(/&quot;|&#34;/g, '"').replace(/\s+/g, ' ').trim())
    .filter(Boolean);

describe('audit page: what happened to each pass', () => {
  it('shows every lifecycle outcome with its sentence, and filters on it', async () => {
    const h = await adminHarness();
    h.map('connectwise', '10', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    h.map('halo', '55', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    h.entra.addUser(CONTOSO, 'jane@contoso.example');
    h.psa.connectwise.addTicket({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example' } });
    h.psa.halo.addTicket({ id: '200', companyId: '55', contactEmail: 'jane@contoso.example' });
    const s = h.services;
    // Replaced: a reissue on the Halo ticket kills the ConnectWise ticket's pass; revoked: from the Halo ticket.
    await s.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 'Alex' });
    await s.tickets.issueForTicket({ psa: 'halo', ticketId: '200', trigger: 'button', requestedBy: 'Sam', reissue: true });
    await s.revocations.revokeForTicket({ psa: 'halo', ticketId: '200', requestedBy: 'Sam', trigger: 'button' });
    const pass = s.issuances.list({ psa: 'connectwise', outcome: 'issued' }, { limit: 1, offset: 0 }).rows[0]!;
    const event = { requestedBy: 'onboarding poller', trigger: 'poller' as const, endsPass: false };
    s.passes.record({ ...event, pass, event: 'rescheduled', code: 'START_DATE_CHANGED', detail: 'Start date moved from 2026-11-27 to 2026-12-18: the pass was revoked before it started.' });
    s.passes.record({ ...event, pass, event: 'cancelled', code: 'ONBOARDING_CANCELLED', detail: 'The ticket moved to the cancelled status "Cancelled". The pass was revoked.' });
    s.passes.record({ ...event, pass, event: 'enrolled', code: 'USER_ENROLLED', detail: 'jane@contoso.example registered Microsoft Authenticator at 09:14 (Europe/Amsterdam).' });
    s.passes.record({ ...event, pass, event: 'expired', code: 'PASS_EXPIRED_NOT_ENROLLED', detail: 'The pass expired and nothing was registered with it.' });

    const admin = await signedIn(h);
    const page = await (await admin.get('/admin/audit')).text();
    const rows = rowsOf(page).join('\n');
    expect(rows).toContain('replaced REPLACED_BY_OTHER_TICKET Replaced by the pass issued on HaloPSA ticket #200, requested by Sam.');
    expect(rows).toContain('revoked REVOKED_FROM_TICKET Revoked from the ticket by Sam.');
    expect(rows).toContain('rescheduled START_DATE_CHANGED Start date moved from 2026-11-27 to 2026-12-18: the pass was revoked before it started.');
    expect(rows).toContain('cancelled ONBOARDING_CANCELLED The ticket moved to the cancelled status "Cancelled". The pass was revoked.');
    expect(rows).toContain('enrolled USER_ENROLLED jane@contoso.example registered Microsoft Authenticator at 09:14 (Europe/Amsterdam).');
    expect(rows).toContain('expired PASS_EXPIRED_NOT_ENROLLED The pass expired and nothing was registered with it.');
    for (const outcome of ['replaced', 'rescheduled', 'cancelled', 'enrolled', 'expired']) expect(page).toContain(`<option value="${outcome}"`);

    const filtered = rowsOf(await (await admin.get('/admin/audit?outcome=replaced')).text());
    expect(filtered).toHaveLength(1);
    expect(filtered[0]).toContain('REPLACED_BY_OTHER_TICKET');
  });
});
