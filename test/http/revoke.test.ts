import { beforeEach, describe, expect, it } from 'vitest';
import { signButtonRequest } from '../../src/http/button-auth.js';
import { buildHarness, CONTOSO, TEST_SECRETS, type TestHarness } from '../helpers/services.js';
import { json } from '../helpers/http.js';

/** Issue 12, "Revoke from the ticket": DELETE /v1/psa/{psa}/tickets/{id}/tap and POST …/tap/revoke. */
const NOW = new Date('2026-11-26T10:00:00Z');
let h: TestHarness;
const secretOf = (psa: 'connectwise' | 'halo') => (psa === 'connectwise' ? TEST_SECRETS.cwButton : TEST_SECRETS.haloButton);

function issue(psa: 'connectwise' | 'halo', ticketId: string, body: unknown = {}) {
  return h.app.request(`/v1/psa/${psa}/tickets/${ticketId}/tap`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secretOf(psa)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function revoke(psa: 'connectwise' | 'halo', ticketId: string, opts: { via?: 'DELETE' | 'POST'; body?: unknown; headers?: Record<string, string> } = {}) {
  const via = opts.via ?? 'DELETE';
  const path = via === 'DELETE' ? `/v1/psa/${psa}/tickets/${ticketId}/tap` : `/v1/psa/${psa}/tickets/${ticketId}/tap/revoke`;
  return h.app.request(path, {
    method: via,
    headers: { ...(opts.headers ?? { authorization: `Bearer ${secretOf(psa)}` }), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
}

const hmac = (method: string, path: string, body = '', ts = Math.floor(NOW.getTime() / 1000), secret = TEST_SECRETS.cwButton) => ({
  'x-tap-timestamp': String(ts),
  'x-tap-signature': signButtonRequest(secret, { timestamp: ts, method, path, body }),
});

beforeEach(() => {
  h = buildHarness({ now: NOW });
  h.entra.addUser(CONTOSO, 'jane@contoso.example', { displayName: 'Jane Doe' });
  h.entra.addUser(CONTOSO, 'sam@contoso.example');
  h.map('connectwise', '10', { companyName: 'Contoso Ltd' });
  h.map('halo', '55', { companyName: 'Contoso Ltd' });
  h.psa.connectwise.addTicket({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example', 'Start date': '2026-12-07' } });
  h.psa.halo.addTicket({ id: '200', companyId: '55', contactEmail: 'sam@contoso.example' });
});

describe('revoke from the ticket', () => {
  it('DELETE revokes the live pass in Graph, notes who revoked, answers 200 with what was revoked, and audits it', async () => {
    const issued = await json(await issue('connectwise', '100'));
    const userId = [...h.entra.tenants.get(CONTOSO)!.users.values()].find((u) => u.userPrincipalName === 'jane@contoso.example')!.id;
    const methodId = h.entra.tapsOf(CONTOSO, userId)[0]!.id;

    const res = await revoke('connectwise', '100', { body: { requestedBy: 'Alex (service desk)' } });

    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      ticketId: '100',
      revoked: [{ issuanceId: issued.issuanceId, userPrincipalName: 'jane@contoso.example', startDateTime: '2026-12-07T07:00:00.000Z', expiresDateTime: '2026-12-07T08:00:00.000Z' }],
      note: { status: 'written' },
    });
    expect(h.entra.deleted).toEqual([methodId]);
    const note = h.psa.connectwise.notes[1]!.note.text;
    expect(note).toContain('Temporary Access Pass revoked for jane@contoso.example');
    expect(note).toContain('Revoked by:     Alex (service desk)');
    expect(note).toContain('Was valid from: Mon 7 Dec 2026, 08:00 (Europe/Amsterdam, UTC+01:00)');
    const audit = h.services.issuances.list({ outcome: 'revoked' }, { limit: 5, offset: 0 }).rows;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ ticketId: '100', outcomeCode: 'REVOKED_FROM_TICKET', requestedBy: 'Alex (service desk)', relatedIssuanceId: issued.issuanceId, detail: 'Revoked from the ticket by Alex (service desk).' });
    expect(h.services.passes.get(issued.issuanceId)!.endedAt).toBe(NOW.toISOString());
  });

  it('answers 404 problem+json when nothing is live, and a second revoke finds nothing', async () => {
    const none = await revoke('connectwise', '100');
    expect(none.status).toBe(404);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(await json(none)).toMatchObject({ code: 'NO_LIVE_PASS', status: 404, title: 'No live pass' });

    await issue('connectwise', '100');
    expect((await revoke('connectwise', '100')).status).toBe(200);
    expect((await revoke('connectwise', '100')).status).toBe(404);
    expect(h.psa.connectwise.notes).toHaveLength(2);
  });

  it('POST …/tap/revoke does the same for PSAs that cannot send DELETE (Halo runbook), default requester named', async () => {
    await issue('halo', '200');
    const res = await revoke('halo', '200', { via: 'POST' });
    expect(res.status).toBe(200);
    expect((await json(res)).revoked).toHaveLength(1);
    expect(h.psa.halo.notes[1]!.note.text).toContain('Revoked by:     HaloPSA button');
  });

  it('revokes only this ticket\'s passes', async () => {
    await issue('connectwise', '100');
    await issue('halo', '200');
    await revoke('halo', '200');
    expect(h.services.passes.liveForTicket('connectwise', '100')).toHaveLength(1);
    expect(h.services.passes.liveForTicket('halo', '200')).toHaveLength(0);
  });

  describe('with every authentication failure nothing is revoked', () => {
    beforeEach(async () => {
      await issue('connectwise', '100');
    });
    const expectNothingRevoked = async (res: Response, status = 401) => {
      expect(res.status).toBe(status);
      expect(h.entra.deleted).toEqual([]);
      expect(h.services.passes.liveForTicket('connectwise', '100')).toHaveLength(1);
    };

    it('no credentials', async () => expectNothingRevoked(await revoke('connectwise', '100', { headers: {} })));
    it('a wrong bearer secret', async () => expectNothingRevoked(await revoke('connectwise', '100', { headers: { authorization: 'Bearer not-the-secret' } })));
    it("the other PSA's secret", async () => expectNothingRevoked(await revoke('connectwise', '100', { headers: { authorization: `Bearer ${TEST_SECRETS.haloButton}` } })));
    it('a signature made for the issue call (POST …/tap) is not a revoke', async () =>
      expectNothingRevoked(await revoke('connectwise', '100', { headers: hmac('POST', '/v1/psa/connectwise/tickets/100/tap') })));
    it('a signature made for another ticket', async () => expectNothingRevoked(await revoke('connectwise', '100', { headers: hmac('DELETE', '/v1/psa/connectwise/tickets/101/tap') })));
    it('a signature outside the 5-minute window', async () =>
      expectNothingRevoked(await revoke('connectwise', '100', { headers: hmac('DELETE', '/v1/psa/connectwise/tickets/100/tap', '', Math.floor(NOW.getTime() / 1000) - 301) })));
    it('a replayed signature', async () => {
      const headers = hmac('POST', '/v1/psa/connectwise/tickets/100/tap/revoke');
      expect((await revoke('connectwise', '100', { via: 'POST', headers })).status).toBe(200);
      await issue('connectwise', '100', { reissue: true });
      const replay = await revoke('connectwise', '100', { via: 'POST', headers });
      expect(replay.status).toBe(401);
      expect(h.services.passes.liveForTicket('connectwise', '100')).toHaveLength(1);
    });
    it('a PSA without a button secret is not enabled', async () => {
      h = buildHarness({ now: NOW, env: { HALO_BUTTON_SECRET: undefined } });
      const res = await revoke('halo', '200');
      expect(res.status).toBe(404);
      expect(await json(res)).toMatchObject({ code: 'PSA_NOT_ENABLED' });
    });
    it('a ticket id that is not a ticket id', async () => expectNothingRevoked(await revoke('connectwise', '1x', {}), 404));
    it('an unknown body field', async () => expectNothingRevoked(await revoke('connectwise', '100', { body: { everything: true } }), 400));
  });

  it('a restart in the middle repeats no revocation and no note', async () => {
    const issued = await json(await issue('connectwise', '100'));
    // The process dies after Graph deleted the pass and before the audit row and note were stored.
    const enqueue = h.services.outbox.enqueue;
    h.services.outbox.enqueue = () => {
      throw new Error('process died');
    };
    await expect(h.services.revocations.revokeForTicket({ psa: 'connectwise', ticketId: '100', requestedBy: 'Alex', trigger: 'button' })).rejects.toThrow('process died');
    h.services.outbox.enqueue = enqueue;
    expect(h.services.passes.liveForTicket('connectwise', '100')).toHaveLength(1);

    // Asked again after the restart: the DELETE is repeated (Graph answers 404 = gone), one audit row, one note.
    const again = await revoke('connectwise', '100', { body: { requestedBy: 'Alex' } });
    expect(again.status).toBe(200);
    expect(h.services.issuances.list({ outcome: 'revoked' }, { limit: 5, offset: 0 }).total).toBe(1);
    expect(h.psa.connectwise.notes.filter((n) => n.note.text.startsWith('Temporary Access Pass revoked'))).toHaveLength(1);
    expect(h.services.passes.get(issued.issuanceId)!.endedAt).not.toBeNull();
    expect((await revoke('connectwise', '100')).status).toBe(404);
  });
});
