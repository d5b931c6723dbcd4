import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { signButtonRequest } from '../../src/http/button-auth.js';
import { spellOut } from '../../src/tap/spell-out.js';
import { buildHarness, CONTOSO, TEST_SECRETS, type TestHarness } from '../helpers/services.js';
import { pressButton } from '../helpers/button.js';
import { json } from '../helpers/http.js';

const NOW = new Date('2026-11-26T10:00:00Z');
let h: TestHarness;

function press(psa: 'connectwise' | 'halo', ticketId: string, body: unknown = {}, headers: Record<string, string> = {}) {
  const secret = psa === 'connectwise' ? TEST_SECRETS.cwButton : TEST_SECRETS.haloButton;
  return pressButton(h.app, psa, ticketId, body, { secret, headers });
}

function signed(psa: 'connectwise' | 'halo', ticketId: string, raw: string, ts = Math.floor(NOW.getTime() / 1000), secret = TEST_SECRETS.cwButton) {
  return h.app.request(`/v1/psa/${psa}/tickets/${ticketId}/tap`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tap-timestamp': String(ts), 'x-tap-signature': signButtonRequest(secret, { timestamp: ts, method: 'POST', path: `/v1/psa/${psa}/tickets/${ticketId}/tap`, body: raw }) },
    body: raw,
  });
}

beforeEach(() => {
  h = buildHarness({ now: NOW });
  h.entra.addUser(CONTOSO, 'jane@contoso.example', { displayName: 'Jane Doe' });
  h.map('connectwise', '10', { companyName: 'Contoso Ltd' });
  h.map('halo', '55', { companyName: 'Contoso Ltd' });
  h.psa.connectwise.addTicket({ id: '100', companyId: '10', companyName: 'Contoso Ltd', customFields: { 'New user UPN': 'jane@contoso.example', 'Start date': '2026-12-07' } });
  h.psa.halo.addTicket({ id: '200', companyId: '55', companyName: 'Contoso Ltd', contactEmail: 'jane@contoso.example' });
});

describe('POST /v1/psa/{psa}/tickets/{id}/tap', () => {
  it('issues a pass for a ConnectWise ticket and writes the exact private note', async () => {
    const res = await press('connectwise', '100', { requestedBy: 'alex@msp.example' });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toMatchObject({
      status: 'issued',
      ticketId: '100',
      userPrincipalName: 'jane@contoso.example',
      startDateTime: '2026-12-07T07:00:00.000Z',
      expiresDateTime: '2026-12-07T08:00:00.000Z',
      lifetimeMinutes: 60,
      usableOnce: false,
      note: { status: 'written' },
    });
    const user = [...h.entra.tenants.get(CONTOSO)!.users.values()][0]!;
    const pass = h.entra.tapsOf(CONTOSO, user.id)[0]!.temporaryAccessPass;
    expect(JSON.stringify(body)).not.toContain(pass);
    expect(h.psa.connectwise.notes).toHaveLength(1);
    expect(h.psa.connectwise.notes[0]!.ticketId).toBe('100');
    expect(h.psa.connectwise.notes[0]!.note.text).toBe(
      [
        'Temporary Access Pass issued for Jane Doe (jane@contoso.example)',
        '',
        `Pass:         ${pass}`,
        `Read out:     ${spellOut(pass)}`,
        'Valid from:   Mon 7 Dec 2026, 08:00 (Europe/Amsterdam, UTC+01:00) — 2026-12-07 07:00 UTC',
        'Valid until:  Mon 7 Dec 2026, 09:00 (Europe/Amsterdam, UTC+01:00) — 2026-12-07 08:00 UTC',
        'Use:          reusable until it expires',
        'Lifetime:     60 minutes',
        'Customer:     Contoso Ltd',
        'Requested by: alex@msp.example',
        `Reference:    ${body.issuanceId as string}`,
        '',
        'How the user enrols:',
        '1. Go to https://aka.ms/mysecurityinfo and sign in as jane@contoso.example.',
        '2. When asked how to sign in, choose "Temporary Access Pass" and type the pass above.',
        '3. Add Microsoft Authenticator, a passkey or a security key before the pass expires.',
        '',
        'Internal note: give the pass to the user in person or by phone, never by e-mail.',
      ].join('\n'),
    );
  });

  it('issues a pass for a Halo ticket from the contact e-mail and writes an HTML note', async () => {
    const res = await press('halo', '200');
    expect(res.status).toBe(201);
    const note = h.psa.halo.notes[0]!.note.html;
    expect(note).toContain('<p><strong>Temporary Access Pass issued for Jane Doe (jane@contoso.example)</strong></p>');
    expect(note).toContain('Requested by: <strong>HaloPSA button</strong>');
    expect(note).toContain('<ol><li>Go to https://aka.ms/mysecurityinfo');
  });

  it('carries the request id on every log line written while serving the press', async () => {
    const res = await press('connectwise', '100');
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/.{8,}/);
    const lines = h.logs.map((l) => JSON.parse(l) as { msg: string; requestId?: string; outcome?: string; issuanceId?: string });
    for (const msg of ['private note written', 'request']) {
      expect(lines.find((l) => l.msg === msg)?.requestId, msg).toBe(requestId);
    }
    // The issuance is told on the request's own line (one info line per press).
    const body = await json(res);
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ outcome: 'temporary access pass issued', issuanceId: body.issuanceId });
  });

  it('accepts an HMAC signature once and refuses its replay', async () => {
    const raw = JSON.stringify({ requestedBy: 'runbook' });
    expect((await signed('connectwise', '100', raw)).status).toBe(201);
    const replay = await signed('connectwise', '100', raw);
    expect(replay.status).toBe(401);
    expect((await json(replay)).detail).toContain('already used');
  });

  it.each([
    ['a wrong bearer secret', { authorization: 'Bearer wrong-secret-wrong-secret-wrong' }],
    ['no credentials at all', { authorization: '' }],
    ['the other PSA\u2019s secret', { authorization: `Bearer ${TEST_SECRETS.haloButton}` }],
  ])('refuses %s with 401 and touches nothing', async (_label, headers) => {
    const res = await press('connectwise', '100', {}, headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await json(res)).code).toBe('UNAUTHORIZED');
    expect(h.psa.connectwise.getTicketCalls).toBe(0);
    expect(h.psa.connectwise.notes).toHaveLength(0);
    expect(h.entra.calls).toEqual([]);
  });

  it('refuses a stale timestamp and a signature over another body', async () => {
    const raw = '{}';
    const stale = await signed('connectwise', '100', raw, Math.floor(NOW.getTime() / 1000) - 301);
    expect(stale.status).toBe(401);
    expect((await json(stale)).detail).toContain('5-minute window');
    const ts = Math.floor(NOW.getTime() / 1000);
    const tampered = await h.app.request('/v1/psa/connectwise/tickets/100/tap', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tap-timestamp': String(ts), 'x-tap-signature': signButtonRequest(TEST_SECRETS.cwButton, { timestamp: ts, method: 'POST', path: '/v1/psa/connectwise/tickets/100/tap', body: '{}' }) },
      body: JSON.stringify({ reissue: true }),
    });
    expect(tampered.status).toBe(401);
    expect(h.entra.calls).toEqual([]);
  });

  it('issues one pass for a double click', async () => {
    const [a, b] = await Promise.all([press('connectwise', '100'), press('connectwise', '100')]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 201]);
    const bodies = [await json(a), await json(b)];
    expect(bodies.map((x) => x.status).sort()).toEqual(['already_issued', 'issued']);
    expect(bodies[0].issuanceId).toBe(bodies[1].issuanceId);
    expect(h.entra.calls.filter((c) => c.startsWith('createTap'))).toHaveLength(1);
    expect(h.psa.connectwise.notes).toHaveLength(1);
  });

  it('issues again after the idempotency window', async () => {
    await press('connectwise', '100');
    h.clock.now = new Date(NOW.getTime() + 11 * 60_000);
    const again = await press('connectwise', '100');
    expect(again.status).toBe(201);
    expect(h.entra.calls.filter((c) => c.startsWith('createTap'))).toHaveLength(2);
  });

  it('replaces the pass deliberately on reissue and says so in the note', async () => {
    await press('connectwise', '100');
    const res = await press('connectwise', '100', { reissue: true });
    expect(res.status).toBe(201);
    expect(h.entra.calls.filter((c) => c.startsWith('createTap'))).toHaveLength(2);
    expect(h.psa.connectwise.notes[1]!.note.text).toContain('This pass replaces any pass issued to this user before');
  });

  it('refuses an unmapped company with 409 and a note saying what to fix', async () => {
    h.psa.connectwise.addTicket({ id: '101', companyId: '99', companyName: 'Unmapped Co', contactEmail: 'x@unmapped.example' });
    const res = await press('connectwise', '101');
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ code: 'COMPANY_NOT_MAPPED', status: 409, title: 'Company not mapped' });
    expect(h.psa.connectwise.notes[0]!.note.text).toContain('Temporary Access Pass NOT issued');
    expect(h.psa.connectwise.notes[0]!.note.text).toContain('Unmapped Co is not mapped to a Microsoft 365 tenant');
    expect(h.entra.calls).toEqual([]);
  });

  it.each<[string, Record<string, string>, () => void]>([
    ['USER_NOT_FOUND', { 'New user UPN': 'ghost@contoso.example' }, () => undefined],
    ['USER_DISABLED', { 'New user UPN': 'off@contoso.example' }, () => void h.entra.addUser(CONTOSO, 'off@contoso.example', { accountEnabled: false })],
    ['USER_PRIVILEGED', { 'New user UPN': 'ga@contoso.example' }, () => void h.entra.addUser(CONTOSO, 'ga@contoso.example', { roles: ['Global Administrator'] })],
    ['POLICY_DISABLED', { 'New user UPN': 'jane@contoso.example' }, () => void (h.entra.tenants.get(CONTOSO)!.policy.state = 'disabled')],
    ['USER_NOT_IDENTIFIED', {}, () => undefined],
    ['START_DATE_INVALID', { 'New user UPN': 'jane@contoso.example', 'Start date': 'next monday' }, () => undefined],
  ])('refuses %s with 422 and a private note', async (code, fields, arrange) => {
    arrange();
    h.psa.connectwise.addTicket({ id: '102', companyId: '10', customFields: fields });
    const res = await press('connectwise', '102');
    expect(res.status).toBe(422);
    expect((await json(res)).code).toBe(code);
    expect(h.psa.connectwise.notes).toHaveLength(1);
    expect(h.psa.connectwise.notes[0]!.note.text).toContain(`Code:         ${code}`);
    expect(h.entra.calls.filter((c) => c.startsWith('createTap'))).toHaveLength(0);
  });

  it('notes the ticket when Graph throttles a press, and the caller gets 429 with Retry-After', async () => {
    h.entra.createErrors.push(new AppError('UPSTREAM_THROTTLED', 'Microsoft Graph is throttling the connector; try again in about 30 s. No pass was issued.', { retryAfterSeconds: 30 }));
    const res = await press('connectwise', '100');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    expect((await json(res)).code).toBe('UPSTREAM_THROTTLED');
    expect(h.psa.connectwise.notes).toHaveLength(1);
    expect(h.psa.connectwise.notes[0]!.note.text).toContain('Temporary Access Pass NOT issued');
    expect(h.psa.connectwise.notes[0]!.note.text).toContain('No pass was issued.');
  });

  it('accepts a UPN in the body only in a verified domain of the mapped tenant', async () => {
    const bad = await press('connectwise', '100', { userPrincipalName: 'jane@evil.example' });
    expect(bad.status).toBe(422);
    expect((await json(bad)).code).toBe('USER_DOMAIN_NOT_VERIFIED');
    h.entra.addUser(CONTOSO, 'bob@contoso.example');
    const good = await press('connectwise', '100', { userPrincipalName: 'bob@contoso.example' });
    expect(good.status).toBe(201);
    expect((await json(good)).userPrincipalName).toBe('bob@contoso.example');
  });

  it('answers 404 for a ticket the PSA does not know, without a note', async () => {
    const res = await press('connectwise', '999');
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe('TICKET_NOT_FOUND');
    expect(h.psa.connectwise.notes).toHaveLength(0);
  });

  it.each([
    ['unknown fields', { userPrincipalName: 'jane@contoso.example', isAdmin: true }],
    ['wrong types', { lifetimeMinutes: '60' }],
    ['an impossible date', { startDate: '2026-02-30' }],
    ['malformed JSON', '{"reissue": tru'],
    ['a JSON array', '[]'],
  ])('answers 400 for %s and touches nothing', async (_label, body) => {
    const res = await press('connectwise', '100', body);
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe('INVALID_REQUEST');
    expect(h.entra.calls).toEqual([]);
    expect(h.psa.connectwise.getTicketCalls).toBe(0);
  });

  it('answers 413 for an oversized body', async () => {
    const res = await press('connectwise', '100', { requestedBy: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect((await json(res)).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 404 for a ticket id that is not a number, without calling the PSA', async () => {
    const res = await press('connectwise', '..%2F..%2Fetc');
    expect(res.status).toBe(404);
    expect(h.psa.connectwise.getTicketCalls).toBe(0);
  });

  it('slows repeated bad secrets from an address, never the right one', async () => {
    for (let i = 0; i < 20; i++) await press('connectwise', '100', {}, { authorization: 'Bearer nope' });
    const res = await press('connectwise', '100', {}, { authorization: 'Bearer nope' });
    expect(res.status).toBe(429);
    expect((await json(res)).code).toBe('TOO_MANY_ATTEMPTS');
    expect((await press('connectwise', '100')).status).not.toBe(429);
  });
});
