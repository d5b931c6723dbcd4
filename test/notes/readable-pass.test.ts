import { describe, expect, it } from 'vitest';
import type { IssuedPass } from '../../src/tap/issue.js';
import { passNote } from '../../src/tap/note.js';
import { spellOut } from '../../src/tap/spell-out.js';

/** A pass a technician can read out: monospace where the PSA renders HTML, and a spelled-out line in both PSAs. */

const issued = (pass: string): IssuedPass => ({
  issuanceId: '6f1c0d2e-0000-4000-8000-000000000001',
  pass,
  methodId: 'm-1',
  user: { id: 'u-1', userPrincipalName: 'jane@contoso.example', displayName: 'Jane Doe', accountEnabled: true, userType: 'Member' },
  startDateTime: new Date('2026-12-07T07:00:00Z'),
  expiresDateTime: new Date('2026-12-07T08:00:00Z'),
  startMovedToNow: false,
  lifetime: { requested: undefined, applied: 60, clamped: false, policyMinimum: 60, policyMaximum: 480 },
  usableOnce: { usableOnce: false, forcedByPolicy: false },
});
const ctx = { companyName: 'Contoso Ltd', timeZone: 'Europe/Amsterdam', requestedBy: 'tech@msp', reissue: false };

describe('spelling a pass out', () => {
  it('names digits, symbols and the case of each letter', () => {
    expect(spellOut('7@?L')).toBe('seven · at sign · question mark · capital L');
    expect(spellOut('l1I0O')).toBe('small l · one · capital I · zero · capital O');
    expect(spellOut('a-b_c#%')).toBe('small a · dash · small b · underscore · small c · hash · percent sign');
  });
});

describe('the pass note', () => {
  it('in ConnectWise (plain text) puts the pass on its own row followed by the spelled-out row and a Reference', () => {
    const { text } = passNote(issued('7@?Lk2xQ'), ctx);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Pass:'));
    expect(lines[at]).toMatch(/^Pass:\s+7@\?Lk2xQ$/);
    expect(lines[at + 1]).toMatch(/^Read out:\s+seven · at sign · question mark · capital L · small k · two · small x · capital Q$/);
    expect(lines.filter((l) => l.startsWith('Reference:'))).toEqual([expect.stringMatching(/^Reference:\s+6f1c0d2e-0000-4000-8000-000000000001$/)]);
  });

  it('in Halo (HTML) shows the pass in monospace, escaped, with the same spelled-out row', () => {
    const { html } = passNote(issued('<a&"b>'), ctx);
    expect(html).toContain('Pass: <strong><code>&lt;a&amp;&quot;b&gt;</code></strong>');
    expect(html).toContain('Read out: <strong>less-than sign · small a · ampersand · double quote · small b · greater-than sign</strong>');
    expect(html.match(/Reference: /g)).toHaveLength(1);
  });
});

describe('the button answer a Halo runbook shows', () => {
  it('carries one human line with the validity in the customer zone, and never the pass', async () => {
    const { buildHarness, CONTOSO, TEST_SECRETS } = await import('../helpers/services.js');
    const { pressButton } = await import('../helpers/button.js');
    const h = buildHarness({ now: new Date('2026-11-26T10:00:00Z') });
    h.entra.addUser(CONTOSO, 'jane@contoso.example', { displayName: 'Jane Doe' });
    h.map('halo', '55', { companyName: 'Contoso Ltd', timeZone: 'America/New_York' });
    h.psa.halo.addTicket({ id: '200', companyId: '55', companyName: 'Contoso Ltd', contactEmail: 'jane@contoso.example' });
    const res = await pressButton(h.app, 'halo', '200', { startDate: '2026-12-07' }, { secret: TEST_SECRETS.haloButton });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { message: string };
    expect(body.message).toBe('Temporary Access Pass for jane@contoso.example is in a private note on the ticket: valid Mon 7 Dec 2026, 08:00 – 09:00 EST (America/New_York), reusable until it expires.');
    const user = [...h.entra.tenants.get(CONTOSO)!.users.values()][0]!;
    expect(body.message).not.toContain(h.entra.tapsOf(CONTOSO, user.id)[0]!.temporaryAccessPass);
  });
});
