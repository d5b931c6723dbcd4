import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors.js';
import { HOSTED_PAGE_SCRIPT } from '../../src/http/connectwise-hosted/page-script.js';
import { CONTOSO } from '../helpers/services.js';
import { buildHostedHarness, CW_COMPANY, issuedSummary, MEMBER, runHostedPage, type HostedHarness } from './connectwise-hosted-harness.js';

const NOW = new Date('2026-11-26T10:00:00Z');
let h: HostedHarness;

beforeEach(() => {
  h = buildHostedHarness({ now: NOW });
  h.base.map('connectwise', '10', { companyName: 'Contoso Ltd', timeZone: 'Europe/Amsterdam', tenantName: 'Contoso Ltd (tenant)' });
  h.base.psa.connectwise.addTicket({
    id: '100',
    companyId: '10',
    companyName: 'Contoso Ltd',
    summary: 'New starter: Jane',
    customFields: { 'New user UPN': 'jane@contoso.example', 'Start date': '2026-12-07' },
  });
  h.base.psa.connectwise.addTicket({ id: '200', companyId: '20', companyName: 'Northwind', contactEmail: 'bob@northwind.example' });
});

const nonceOf = (page: string) => /<script nonce="([^"]+)">/.exec(page)?.[1];

describe('GET /psa/connectwise/hosted (the page)', () => {
  it('may be framed only by the ConnectWise site, and runs only its own nonce-tagged script', async () => {
    const res = await h.openPage('?id=100');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    const nonce = nonceOf(page);
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    // CW_SITE is https://api-na.myconnectwise.net: the web UI that frames the page is the same host without "api-".
    expect(res.headers.get('content-security-policy')).toBe(
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; ` +
        "form-action 'none'; frame-ancestors https://api-na.myconnectwise.net https://na.myconnectwise.net",
    );
    expect(res.headers.get('x-frame-options')).toBeNull(); // it would forbid the framing CSP allows
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page.startsWith('<!doctype html>')).toBe(true);
  });

  it('uses a fresh nonce for every response', async () => {
    const first = nonceOf(await (await h.openPage()).text());
    const second = nonceOf(await (await h.openPage()).text());
    expect(first).toBeDefined();
    expect(first).not.toBe(second);
  });

  it('takes frame-ancestors from CW_HOSTED_FRAME_ANCESTORS and trusts postMessage from exactly those origins', async () => {
    h = buildHostedHarness({ now: NOW, env: { CW_HOSTED_FRAME_ANCESTORS: 'https://cw.msp.example, https://*.myconnectwise.net' } });
    const res = await h.openPage('?id=100');
    const page = await res.text();
    expect(res.headers.get('content-security-policy')).toMatch(/; frame-ancestors https:\/\/cw\.msp\.example https:\/\/\*\.myconnectwise\.net$/);
    expect(page).toContain('data-frame-origins="[&quot;https://cw.msp.example&quot;,&quot;https://*.myconnectwise.net&quot;]"');
  });

  it('drops a configured ancestor that is not an origin instead of writing it into the CSP', async () => {
    h = buildHostedHarness({ now: NOW, env: { CW_HOSTED_FRAME_ANCESTORS: "https://cw.msp.example;script-src,'unsafe-inline'" } });
    const res = await h.openPage();
    expect(res.headers.get('content-security-policy')).toMatch(/; frame-ancestors 'none'$/);
  });

  it('exposes stable hooks for a browser test: the Issue TAP button, the reissue checkbox and the state', async () => {
    const page = await (await h.openPage('?id=100')).text();
    expect(page).toMatch(/<button type="button" id="tap-issue">\s*Issue TAP\s*<\/button>/);
    expect(page).toMatch(/<label for="tap-reissue"><input type="checkbox" id="tap-reissue" name="reissue"\/> Replace existing pass<\/label>/);
    expect(page).toContain('id="tap-app" data-state="loading" data-ticket-id="100"');
    for (const id of ['tap-status', 'tap-error', 'tap-preview', 'tap-result', 'tap-result-start', 'tap-result-expires', 'tap-result-note']) {
      expect(page).toContain(`id="${id}"`);
    }
  });

  it('renders without a ticket id when the URL has none or a bad one, so the page can say how to open it', async () => {
    const missing = await (await h.openPage('')).text();
    expect(missing).toContain('data-ticket-id=""');
    const crafted = await (await h.openPage(`?id=${encodeURIComponent('1"><script>alert(1)</script>')}`)).text();
    expect(crafted).toContain('data-ticket-id=""');
    expect(crafted).not.toContain('alert(1)');
  });

  it('ships a script that parses and never posts to "*"', () => {
    expect(() => new Function(HOSTED_PAGE_SCRIPT)).not.toThrow();
    expect(HOSTED_PAGE_SCRIPT).not.toMatch(/postMessage\([^)]*['"]\*['"]\)/);
    expect(HOSTED_PAGE_SCRIPT).not.toContain('innerHTML');
  });

  it('answers 404 when ConnectWise is not configured', async () => {
    h = buildHostedHarness({ now: NOW, env: { CW_SITE: '', CW_COMPANY_ID: '', CW_PUBLIC_KEY: '', CW_PRIVATE_KEY: '', CW_CLIENT_ID: '', CW_BUTTON_SECRET: '' } });
    const res = await h.openPage();
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'PSA_NOT_ENABLED' });
  });
});

describe('POST /psa/connectwise/hosted/session', () => {
  it('verifies the member with ConnectWise and answers a session plus the ticket preview', async () => {
    const res = await h.startSession({ ticketId: '100', companyid: 'MSP' }); // company ids are case-insensitive
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(h.members.claims).toEqual([{ companyId: CW_COMPANY, memberId: 'jsmith', memberHash: MEMBER.memberHash, memberContext: 'web' }]);
    expect(body).toMatchObject({
      sessionToken: expect.stringMatching(/^v1\.[\w-]+\.[\w-]{43}$/),
      csrfToken: expect.stringMatching(/^[\w-]{43}$/),
      expiresAt: '2026-11-26T10:10:00.000Z',
      member: { id: 'jsmith' },
      ticket: {
        id: '100',
        summary: 'New starter: Jane',
        companyId: '10',
        companyName: 'Contoso Ltd',
        mapping: { status: 'mapped', tenant: 'Contoso Ltd (tenant)', timeZone: 'Europe/Amsterdam' },
        userPrincipalName: 'jane@contoso.example',
        userSource: 'field "New user UPN"',
        startDate: { kind: 'date', date: '2026-12-07' },
      },
    });
    // The member's hash is a credential: it goes to ConnectWise and nowhere else.
    expect(JSON.stringify(body)).not.toContain(MEMBER.memberHash);
    expect(h.base.logs.join('\n')).not.toContain(MEMBER.memberHash);
  });

  it('says when the ticket\'s company is not mapped, and uses the contact e-mail when the UPN field is empty', async () => {
    const res = await h.startSession({ ticketId: '200' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ticket: unknown }).ticket).toMatchObject({
      companyName: 'Northwind',
      mapping: { status: 'not_mapped', tenant: null, timeZone: null },
      userPrincipalName: 'bob@northwind.example',
      userSource: 'ticket contact e-mail',
      startDate: { kind: 'none' },
    });
  });

  it('refuses a member of another ConnectWise company without asking ConnectWise or reading the ticket', async () => {
    const res = await h.startSession({ companyid: 'someoneelse' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED', detail: expect.stringContaining('different ConnectWise company') });
    expect(h.members.claims).toHaveLength(0);
    expect(h.base.psa.connectwise.getTicketCalls).toBe(0);
  });

  it('refuses a member ConnectWise does not confirm, before reading the ticket', async () => {
    const res = await h.startSession({ memberHash: 'forged-hash' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED', detail: expect.stringContaining('ConnectWise did not confirm') });
    expect(h.members.claims).toHaveLength(1);
    expect(h.base.psa.connectwise.getTicketCalls).toBe(0);
  });

  it('slows down repeated guesses: after 10 refusals from one address ConnectWise is not asked again', async () => {
    for (let i = 0; i < 10; i += 1) expect((await h.startSession({ memberHash: `guess-${i}` })).status).toBe(401);
    const blocked = await h.startSession();
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    expect(h.members.claims).toHaveLength(10);
  });

  it('passes on ConnectWise being unavailable as such, not as a failed sign-in', async () => {
    h.members.failure = new AppError('UPSTREAM_UNAVAILABLE');
    const res = await h.startSession();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('answers 404 for a ticket ConnectWise does not have', async () => {
    const res = await h.startSession({ ticketId: '999' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'TICKET_NOT_FOUND' });
  });

  it('rejects unknown fields, a non-numeric ticket id, and oversized bodies', async () => {
    const extra = await h.startSession({ memberEmail: 'j@msp.example' });
    expect(extra.status).toBe(400);
    expect(await extra.json()).toMatchObject({ code: 'INVALID_REQUEST', errors: { memberEmail: 'is not a known field' } });
    expect((await h.startSession({ ticketId: '../100' })).status).toBe(400);
    // ConnectWise refuses the cookie check without memberContext: a claim without it is not even sent.
    expect((await h.startSession({ memberContext: undefined })).status).toBe(400);
    expect((await h.startSession({ memberHash: 'x'.repeat(5000) })).status).toBe(413);
    expect(h.members.claims).toHaveLength(0);
  });
});

describe('POST /psa/connectwise/hosted/tap', () => {
  it('issues for the session\'s ticket as the verified member, with trigger "hosted"', async () => {
    const session = await h.session('100');
    const res = await h.issue(session, { reissue: true });
    expect(res.status).toBe(201);
    expect(h.tickets.calls).toEqual([
      { psa: 'connectwise', ticketId: '100', trigger: 'hosted', requestedBy: 'ConnectWise member jsmith', reissue: true },
    ]);
    expect(await res.json()).toEqual({
      issuanceId: '5b0e2a4e-0000-4000-8000-000000000001',
      status: 'issued',
      ticketId: '100',
      userPrincipalName: 'jane@contoso.example',
      startDateTime: '2026-12-07T07:00:00.000Z',
      expiresDateTime: '2026-12-07T08:00:00.000Z',
      lifetimeMinutes: 60,
      usableOnce: true,
      note: { status: 'written' },
      display: {
        timeZone: 'Europe/Amsterdam',
        startDateTime: 'Mon 7 Dec 2026, 08:00 (Europe/Amsterdam, UTC+01:00)',
        expiresDateTime: 'Mon 7 Dec 2026, 09:00 (Europe/Amsterdam, UTC+01:00)',
      },
    });
  });

  it('answers 200 with the first pass\'s summary when the use case says it was already issued', async () => {
    h.tickets.answer = issuedSummary({ status: 'already_issued' });
    const res = await h.issue(await h.session('100'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'already_issued' });
    expect(h.tickets.calls[0]).toMatchObject({ reissue: undefined });
  });

  it('can only ever issue for the ticket in the token: a body naming another ticket is refused', async () => {
    const session = await h.session('100');
    const res = await h.issue(session, { ticketId: '200' });
    expect(res.status).toBe(400);
    expect(h.tickets.calls).toHaveLength(0);
  });

  it('refuses a token whose ticket was edited', async () => {
    const session = await h.session('100');
    const [version, payload, signature] = session.sessionToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, tid: '200' })).toString('base64url');
    const res = await h.issue({ ...session, sessionToken: `${version}.${forged}.${signature}` });
    expect(res.status).toBe(401);
    expect(h.tickets.calls).toHaveLength(0);
  });

  it('accepts a session until ten minutes have passed, and refuses it after', async () => {
    const session = await h.session('100');
    h.clock.now = new Date(NOW.getTime() + 9 * 60_000 + 59_000);
    expect((await h.issue(session)).status).toBe(201);
    h.clock.now = new Date(NOW.getTime() + 10 * 60_000);
    const expired = await h.issue(session);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ code: 'UNAUTHORIZED', detail: expect.stringContaining('expired') });
    expect(h.tickets.calls).toHaveLength(1);
  });

  it('refuses a missing or foreign CSRF token', async () => {
    const session = await h.session('100');
    const other = await h.session('100');
    const missing = await h.issue({ sessionToken: session.sessionToken });
    const foreign = await h.issue({ sessionToken: session.sessionToken, csrfToken: other.csrfToken });
    for (const res of [missing, foreign]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED', detail: expect.stringContaining('CSRF') });
    }
    expect(h.tickets.calls).toHaveLength(0);
  });

  it('refuses a request without a session, and a session signed with another key', async () => {
    const session = await h.session('100');
    expect((await h.issue({ csrfToken: session.csrfToken })).status).toBe(401);
    const elsewhere = buildHostedHarness({ now: NOW, env: { TAP_SEAL_KEY: randomBytes(32).toString('base64') } });
    expect((await elsewhere.issue(session)).status).toBe(401);
    expect(h.tickets.calls).toHaveLength(0);
    expect(elsewhere.tickets.calls).toHaveLength(0);
  });

  it('shows a refusal as problem+json with the sentence the technician acts on', async () => {
    h.tickets.answer = new AppError('USER_PRIVILEGED');
    const res = await h.issue(await h.session('100'));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'USER_PRIVILEGED', detail: expect.stringContaining('Entra directory role') });
  });

  it('passes only the summary\'s known fields to the browser, whatever the use case returns', async () => {
    h.tickets.answer = { ...issuedSummary(), temporaryAccessPass: 'Pass-Like-Secret-42' } as ReturnType<typeof issuedSummary>;
    const res = await h.issue(await h.session('100'));
    const text = await res.text();
    expect(res.status).toBe(201);
    expect(text).not.toContain('Pass-Like-Secret-42');
    expect(text).not.toMatch(/temporaryAccessPass|"pass"/i);
  });

  it('issues a real pass end to end without the pass in the answer, on a second instance sharing TAP_SEAL_KEY', async () => {
    h.base.entra.addUser(CONTOSO, 'jane@contoso.example', { displayName: 'Jane Doe' });
    const session = await h.session('100');
    // base.app runs the real issuance use case; the token from the other app instance verifies because both derive
    // the session key from the same TAP_SEAL_KEY.
    const res = await h.issue(session, {}, h.base.app);
    expect(res.status).toBe(201);
    const text = await res.text();
    const [pass] = h.base.entra.allPasses();
    expect(pass).toBeDefined();
    expect(text).not.toContain(pass!);
    expect(h.base.logs.join('\n')).not.toContain(pass!);
    expect(JSON.parse(text)).toMatchObject({ status: 'issued', ticketId: '100', display: { timeZone: 'Europe/Amsterdam' } });
    expect(h.base.services.issuances.list({}, { limit: 5, offset: 0 }).rows[0]).toMatchObject({
      trigger: 'hosted',
      requestedBy: 'ConnectWise member jsmith',
      ticketId: '100',
    });
    expect(h.base.psa.connectwise.notes[0]?.note.text).toContain(pass!);
  });
});

describe('POST /psa/connectwise/hosted/revoke', () => {
  const revokeToken = async (session: { sessionToken: string; csrfToken: string }) => {
    const res = await h.requestAction(session, { action: 'revoke' });
    expect(res.status).toBe(200);
    return ((await res.json()) as { actionToken: string }).actionToken;
  };

  it('revokes the session\'s ticket\'s passes as the verified member, with a fresh revoke action token', async () => {
    const session = await h.session('100');
    const res = await h.revoke({ ...session, actionToken: await revokeToken(session) });
    expect(res.status).toBe(200);
    expect(h.revocations.calls).toEqual([{ psa: 'connectwise', ticketId: '100', requestedBy: 'ConnectWise member jsmith', trigger: 'hosted' }]);
    expect(await res.json()).toEqual({
      ticketId: '100',
      revoked: [{ userPrincipalName: 'jane@contoso.example', expiresDateTime: '2026-12-07T08:00:00.000Z', display: { expiresDateTime: 'Mon 7 Dec 2026, 09:00 (Europe/Amsterdam, UTC+01:00)' } }],
      droppedSchedule: null,
      note: { status: 'written' },
    });
    // ConnectWise confirmed the member twice: for the session and for the revoke.
    expect(h.members.claims).toHaveLength(2);
  });

  it('needs a revoke action token: the session\'s issue token, none, or a spent one is refused', async () => {
    const session = await h.session('100');
    expect((await h.revoke(session)).status).toBe(401); // the session's token is for issuing
    expect((await h.revoke({ sessionToken: session.sessionToken, csrfToken: session.csrfToken })).status).toBe(401);
    const token = await revokeToken(session);
    expect((await h.revoke({ ...session, actionToken: token })).status).toBe(200);
    const replayed = await h.revoke({ ...session, actionToken: token });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ detail: expect.stringContaining('already used') });
    // A revoke token cannot issue either.
    expect((await h.issue({ ...session, actionToken: await revokeToken(session) })).status).toBe(401);
    expect(h.revocations.calls).toHaveLength(1);
    expect(h.tickets.calls).toHaveLength(0);
  });

  it('says there is nothing to revoke as problem+json', async () => {
    h.revocations.answer = new AppError('NO_LIVE_PASS');
    const session = await h.session('100');
    const res = await h.revoke({ ...session, actionToken: await revokeToken(session) });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NO_LIVE_PASS' });
  });

  it('refuses a body naming another ticket or anything else', async () => {
    const session = await h.session('100');
    expect((await h.revoke({ ...session, actionToken: await revokeToken(session) }, { ticketId: '200' })).status).toBe(400);
    expect(h.revocations.calls).toHaveLength(0);
  });
});

// Security review: ConnectWise confirmed WHO the member is, but any member could name any ticket in ?id= and act on it.
describe('a ticket the member cannot open in ConnectWise', () => {
  it('starts no session for it: 403 TICKET_ACCESS_DENIED, no tokens, and the ticket is not read with the API member', async () => {
    h.members.hiddenTickets.add('200');
    const res = await h.startSession({ ticketId: '200' });
    expect(res.status).toBe(403);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'TICKET_ACCESS_DENIED', detail: expect.stringContaining('cannot open ticket 200') });
    expect(body).not.toHaveProperty('sessionToken');
    expect(body).not.toHaveProperty('actionToken');
    expect(h.members.ticketChecks).toEqual([{ memberId: 'jsmith', ticketId: '200' }]);
    expect(h.base.psa.connectwise.getTicketCalls).toBe(0);
    expect(h.tickets.calls).toEqual([]);
  });

  it('checks the very ticket of the session, for the member ConnectWise confirmed', async () => {
    await h.session('100');
    expect(h.members.ticketChecks).toEqual([{ memberId: 'jsmith', ticketId: '100' }]);
  });

  it('fails closed when ConnectWise cannot say: no session', async () => {
    h.members.ticketFailure = new AppError('TICKET_ACCESS_UNVERIFIED');
    const res = await h.startSession({ ticketId: '100' });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'TICKET_ACCESS_UNVERIFIED' });
    expect(h.base.psa.connectwise.getTicketCalls).toBe(0);
  });

  it('checks again on every action: access taken away after the session started means no issue or revoke token', async () => {
    const session = await h.session('100');
    h.members.hiddenTickets.add('100');
    for (const action of ['issue', 'revoke']) {
      const res = await h.requestAction(session, { action });
      expect(res.status, action).toBe(403);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body, action).toMatchObject({ code: 'TICKET_ACCESS_DENIED' });
      expect(body, action).not.toHaveProperty('actionToken');
    }
    expect(h.members.ticketChecks.map((c) => c.ticketId)).toEqual(['100', '100', '100']);
    h.members.ticketFailure = new AppError('TICKET_ACCESS_UNVERIFIED');
    h.members.hiddenTickets.clear();
    expect((await h.requestAction(session, { action: 'issue' })).status).toBe(502);
    expect(h.tickets.calls).toEqual([]);
    expect(h.revocations.calls).toEqual([]);
  });
});

describe('the page\'s script, run against the app in a minimal browser', () => {
  const CW_ORIGIN = 'https://na.myconnectwise.net';
  const authReply = (overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      response: 'getmemberauthentication',
      data: { site: 'na.myconnectwise.net', companyid: CW_COMPANY, memberid: MEMBER.memberid, memberHash: MEMBER.memberHash, memberEmail: 'j@msp.example', memberContext: 'web', ...overrides },
    });
  const load = async (query = '?id=100', opts: Parameters<typeof runHostedPage>[2] = {}) => runHostedPage(await (await h.openPage(query)).text(), h.app, opts);

  const READY = JSON.stringify({ message: 'ready' });
  const memberRequest = (frameID = 'cw-frame-1') => JSON.stringify({ hosted_request: 'getMemberAuthentication', frameID });

  it('announces itself with "ready" to each ConnectWise origin first, and asks who is signed in only after MessageFrameID', async () => {
    const page = await load();
    expect(page.state()).toBe('waiting');
    // CW_SITE https://api-na.myconnectwise.net: the default frame ancestors are it and the same host without "api-".
    expect(page.posted).toEqual([
      [READY, 'https://api-na.myconnectwise.net'],
      [READY, CW_ORIGIN],
    ]);
    page.receive(CW_ORIGIN, JSON.stringify({ MessageFrameID: 'cw-frame-1' }));
    expect(page.posted.slice(2)).toEqual([[memberRequest(), CW_ORIGIN]]);
    // Never the vendor-confusing `request` key: ConnectWise silently ignores it.
    expect(page.posted.map(([m]) => JSON.parse(m as string) as Record<string, unknown>).some((m) => 'request' in m)).toBe(false);
  });

  it('sends "ready" only to the framing origin when the browser names it, a wildcard entry included', async () => {
    expect((await load('?id=100', { ancestorOrigins: [CW_ORIGIN] })).posted).toEqual([[READY, CW_ORIGIN]]);
    h = buildHostedHarness({ now: NOW, env: { CW_HOSTED_FRAME_ANCESTORS: 'https://*.myconnectwise.net' } });
    expect((await load('?id=100', { ancestorOrigins: ['https://eu.myconnectwise.net'] })).posted).toEqual([[READY, 'https://eu.myconnectwise.net']]);
    // A parent the page may not talk to gets nothing, and a wildcard alone names no origin to post to.
    expect((await load('?id=100', { ancestorOrigins: ['https://evil.example'] })).posted).toEqual([]);
  });

  it('acknowledges every host event with its id, "success" and the frame id, including a pod\'s beforeSave', async () => {
    const page = await load();
    // An event before the frame id is acknowledged once the frame id is known.
    page.receive(CW_ORIGIN, JSON.stringify({ event: 'onLoad', _id: 1, data: { screen: 'ticket', id: 100 } }));
    page.receive(CW_ORIGIN, JSON.stringify({ MessageFrameID: 'cw-frame-1' }));
    page.receive(CW_ORIGIN, JSON.stringify({ event: 'beforeSave', _id: 'b-2', data: {} }));
    const acks = page.posted.map(([m, origin]) => [JSON.parse(m as string), origin]).filter(([m]) => (m as { event?: string }).event);
    expect(acks).toEqual([
      [{ event: 'onLoad', _id: 1, result: 'success', frameID: 'cw-frame-1' }, CW_ORIGIN],
      [{ event: 'beforeSave', _id: 'b-2', result: 'success', frameID: 'cw-frame-1' }, CW_ORIGIN],
    ]);
  });

  it('asks the ConnectWise frame who is signed in, shows the ticket, and issues on "Issue TAP"', async () => {
    const page = await load();
    page.receive(CW_ORIGIN, JSON.stringify({ MessageFrameID: 'cw-frame-1' }));
    page.receive(CW_ORIGIN, authReply());
    await vi.waitFor(() => expect(page.state()).toBe('ready'));
    expect(page.fetched).toEqual(['https://connector.msp.example/psa/connectwise/hosted/session']);
    expect(page.el('tap-preview').hidden).toBe(false);
    expect(page.el('tap-company').textContent).toBe('Contoso Ltd');
    expect(page.el('tap-user').textContent).toBe('jane@contoso.example (from the field "New user UPN")');
    expect(page.el('tap-start-date').textContent).toBe('2026-12-07');

    page.el('tap-reissue').checked = true;
    page.el('tap-issue').click();
    await vi.waitFor(() => expect(page.state()).toBe('done'));
    expect(h.tickets.calls).toEqual([{ psa: 'connectwise', ticketId: '100', trigger: 'hosted', requestedBy: 'ConnectWise member jsmith', reissue: true }]);
    expect(page.el('tap-result').hidden).toBe(false);
    expect(page.el('tap-result-start').textContent).toBe('Mon 7 Dec 2026, 08:00 (Europe/Amsterdam, UTC+01:00)');
    expect(page.el('tap-result-note').textContent).toBe('The pass is in a new internal note on this ticket.');
  });

  it('asks ConnectWise to confirm the member again for a second issue (a fresh action token each time)', async () => {
    const page = await load();
    page.receive(CW_ORIGIN, JSON.stringify({ MessageFrameID: 'cw-frame-1' }));
    page.receive(CW_ORIGIN, authReply());
    await vi.waitFor(() => expect(page.state()).toBe('ready'));
    page.el('tap-issue').click();
    await vi.waitFor(() => expect(page.state()).toBe('done'));
    const asked = page.posted.filter(([m]) => m === memberRequest()).length;
    expect(asked).toBe(1);

    page.el('tap-reissue').checked = true;
    page.el('tap-issue').click();
    await vi.waitFor(() => expect(page.posted.filter(([m]) => m === memberRequest()).length).toBe(2));
    page.receive(CW_ORIGIN, authReply());
    await vi.waitFor(() => expect(h.tickets.calls).toHaveLength(2));
    await vi.waitFor(() => expect(page.state()).toBe('done'));
    expect(page.fetched.map((u) => new URL(u).pathname)).toEqual([
      '/psa/connectwise/hosted/session',
      '/psa/connectwise/hosted/tap',
      '/psa/connectwise/hosted/action',
      '/psa/connectwise/hosted/tap',
    ]);
    expect(h.members.claims).toHaveLength(2);
  });

  it('revokes on "Revoke pass" after ConnectWise confirms the member again, and shows what was revoked', async () => {
    const page = await load();
    page.receive(CW_ORIGIN, JSON.stringify({ MessageFrameID: 'cw-frame-1' }));
    page.receive(CW_ORIGIN, authReply());
    await vi.waitFor(() => expect(page.state()).toBe('ready'));
    page.el('tap-revoke').click();
    await vi.waitFor(() => expect(page.posted.filter(([m]) => m === memberRequest()).length).toBe(2));
    page.receive(CW_ORIGIN, authReply());
    await vi.waitFor(() => expect(page.state()).toBe('revoked'));
    expect(h.revocations.calls).toEqual([{ psa: 'connectwise', ticketId: '100', requestedBy: 'ConnectWise member jsmith', trigger: 'hosted' }]);
    expect(page.fetched.map((u) => new URL(u).pathname)).toEqual(['/psa/connectwise/hosted/session', '/psa/connectwise/hosted/action', '/psa/connectwise/hosted/revoke']);
    expect(page.el('tap-revoke-result').hidden).toBe(false);
    expect(page.el('tap-revoke-result').textContent).toBe('Revoked the pass of jane@contoso.example (it would have expired Mon 7 Dec 2026, 09:00 (Europe/Amsterdam, UTC+01:00)). The internal note on this ticket says so.');
  });

  it('refuses to start when ConnectWise shares no memberContext (ConnectWise refuses the member check without it)', async () => {
    const page = await load();
    page.receive(CW_ORIGIN, JSON.stringify({ MessageFrameID: 'cw-frame-1' }));
    page.receive(CW_ORIGIN, authReply({ memberContext: undefined }));
    await vi.waitFor(() => expect(page.state()).toBe('refused'));
    expect(page.el('tap-error').textContent).toContain('ConnectWise did not share who is signed in');
    expect(page.fetched).toEqual([]);
  });

  it('ignores messages from origins that may not frame it', async () => {
    const page = await load();
    page.receive('https://evil.example', JSON.stringify({ MessageFrameID: 'x' }));
    page.receive('https://na.myconnectwise.net.evil.example', JSON.stringify({ MessageFrameID: 'x' }));
    expect(page.posted.map(([m]) => m)).toEqual([JSON.stringify({ message: 'ready' }), JSON.stringify({ message: 'ready' })]);
    page.receive(CW_ORIGIN, JSON.stringify({ MessageFrameID: 'cw-frame-1' }));
    page.receive('https://evil.example', authReply({ memberid: 'intruder' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(page.fetched).toEqual([]);
    expect(h.members.claims).toEqual([]);
  });

  it('shows the refusal sentence when ConnectWise does not confirm the member', async () => {
    const page = await load();
    page.receive(CW_ORIGIN, JSON.stringify({ MessageFrameID: 'cw-frame-1' }));
    page.receive(CW_ORIGIN, authReply({ memberHash: 'stale' }));
    await vi.waitFor(() => expect(page.state()).toBe('refused'));
    expect(page.el('tap-error').hidden).toBe(false);
    expect(page.el('tap-error').textContent).toContain('ConnectWise did not confirm your sign-in');
    expect(page.el('tap-preview').hidden).toBe(true);
  });

  it('says plainly that it must be opened from a ConnectWise ticket when it is not in a frame', async () => {
    const page = await load('?id=100', { framed: false });
    expect(page.state()).toBe('outside-frame');
    expect(page.el('tap-error').textContent).toContain('Open this page from a ConnectWise service ticket');
  });

  it('says so when ConnectWise never answers, or the URL has no ticket id', async () => {
    const silent = await load('?id=100', { hostTimeoutMs: 10 });
    await vi.waitFor(() => expect(silent.state()).toBe('no-host'));
    expect(silent.el('tap-error').textContent).toContain('ConnectWise did not answer');
    const noTicket = await load('');
    expect(noTicket.state()).toBe('no-ticket');
  });
});
