import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { BUTTON_FAILURE_LIMITS, signButtonRequest } from '../../src/http/button-auth.js';
import { buildHarness, CONTOSO, TEST_SECRETS, type TestHarness } from '../helpers/services.js';
import { expectProblem4xx, headerValue, hostileString, RUNS, snapshot } from './state.js';

/** A mapped Contoso ticket whose user exists: a valid press here would issue a pass, so any pass is a failure. */
function world(env?: Record<string, string>): TestHarness {
  const h = buildHarness(env ? { env } : {});
  h.entra.addUser(CONTOSO, 'jane@contoso.example');
  h.map('connectwise', '10');
  h.map('halo', '10');
  for (const psa of ['connectwise', 'halo'] as const) {
    h.psa[psa].addTicket({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example', CFNewUserUPN: 'jane@contoso.example' } });
  }
  return h;
}

const BEARER = { connectwise: `Bearer ${TEST_SECRETS.cwButton}`, halo: `Bearer ${TEST_SECRETS.haloButton}` } as const;
const psaArb = fc.constantFrom('connectwise' as const, 'halo' as const);

function press(h: TestHarness, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
  return h.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: init.body ?? '{}' });
}

/** Bodies that can never be a valid button request. */
const invalidBody = fc.oneof(
  // Not JSON at all, or JSON that is not an object.
  fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => s.trim() !== '' && !isJsonObject(s)),
  fc.constantFrom('[]', 'null', '"x"', '42', 'true', '{"a":', '{"userPrincipalName":"jane@contoso.example"', '\u0000{}'),
  // Known fields with the wrong type or out of range.
  fc.record({
    field: fc.constantFrom('userPrincipalName', 'startDate', 'lifetimeMinutes', 'usableOnce', 'reissue', 'requestedBy'),
    value: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 2 }), hostileString),
  })
    .filter(({ field, value }) => !acceptable(field, value))
    .map(({ field, value }) => JSON.stringify({ [field]: value })),
  // Fields the API does not have, named with hostile keys.
  fc.tuple(hostileString, fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => `{${JSON.stringify(`x${k}`)}:${JSON.stringify(v) ?? 'null'}}`),
  fc.constantFrom('{"__proto__":{"reissue":true}}', '{"constructor":{"prototype":{"x":1}}}'),
  // Oversized.
  fc.integer({ min: 8 * 1024 + 1, max: 64 * 1024 }).map((n) => JSON.stringify({ requestedBy: 'x'.repeat(n) })),
);

function isJsonObject(s: string): boolean {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Mirrors the documented contract of each field; a generated value the API would accept is not an invalid input. */
function acceptable(field: string, value: unknown): boolean {
  switch (field) {
    case 'userPrincipalName':
      return typeof value === 'string' && value.trim().length >= 3 && value.trim().length <= 256;
    case 'requestedBy':
      return typeof value === 'string' && value.trim().length >= 1 && value.trim().length <= 200;
    case 'startDate':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
    case 'lifetimeMinutes':
      // Any positive whole number: the use case clamps it into the tenant policy's range and the note says so.
      return Number.isInteger(value) && (value as number) >= 1;
    default:
      return typeof value === 'boolean';
  }
}

describe('button API under hostile input', () => {
  it('ids that are not ticket numbers, and unknown PSAs: 404 problem, no PSA call, nothing changed', async () => {
    const h = world();
    const before = snapshot(h);
    await fc.assert(
      fc.asyncProperty(psaArb, fc.oneof(hostileString, fc.constantFrom('0', '-1', '1e3', '1.5', '0x10', '１２３', '1234567890123', '%2e%2e', '..')), fc.boolean(), async (psa, id, hostilePsa) => {
        const path = hostilePsa ? `/v1/psa/${encodeURIComponent(id)}/tickets/100/tap` : `/v1/psa/${psa}/tickets/${encodeURIComponent(id)}/tap`;
        const res = await press(h, path, { headers: { authorization: BEARER[psa] } });
        await expectProblem4xx(res);
      }),
      RUNS,
    );
    expect(h.psa.connectwise.getTicketCalls + h.psa.halo.getTicketCalls).toBe(0);
    expect(snapshot(h)).toBe(before);
  });

  it('malformed, wrong-type, unknown-field and oversized bodies with a valid secret: 4xx problem, no state change, no pass', async () => {
    const h = world();
    const before = snapshot(h);
    await fc.assert(
      fc.asyncProperty(psaArb, invalidBody, fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'), async (psa, body, type) => {
        const res = await press(h, `/v1/psa/${psa}/tickets/100/tap`, { headers: { authorization: BEARER[psa], 'content-type': type }, body });
        await expectProblem4xx(res);
      }),
      RUNS,
    );
    expect(h.psa.connectwise.getTicketCalls + h.psa.halo.getTicketCalls).toBe(0);
    expect(snapshot(h)).toBe(before);
  });

  it('hostile user names that pass the schema are refused as users: 4xx, never a pass, notes escape the markup', async () => {
    const h = world();
    await fc.assert(
      fc.asyncProperty(psaArb, hostileString, fc.constantFrom('contoso.example', 'evil.example', 'CONTOSO.example', 'contoso.example.evil.example'), async (psa, local, domain) => {
        const upn = `${local.slice(0, 200)}@${domain}`;
        if (upn.toLowerCase() === 'jane@contoso.example') return;
        const res = await press(h, `/v1/psa/${psa}/tickets/100/tap`, { headers: { authorization: BEARER[psa] }, body: JSON.stringify({ userPrincipalName: upn, requestedBy: local.slice(0, 200) || 'x' }) });
        await expectProblem4xx(res);
      }),
      { numRuns: 100 },
    );
    expect(h.entra.allPasses()).toEqual([]);
    expect(h.entra.calls.filter((c) => c.startsWith('createTap'))).toEqual([]);
    expect(h.services.issuances.list({ outcome: 'issued' }, { limit: 1, offset: 0 }).total).toBe(0);
    for (const note of h.psa.halo.notes) expect(note.note.html).not.toMatch(/<(script|img|svg)\b/i);
  });

  it('wrong credentials of every shape: 401 (or 429 once throttled) problem, nothing read, nothing changed', async () => {
    const h = world();
    const before = snapshot(h);
    await fc.assert(
      fc.asyncProperty(psaArb, headerValue, fc.option(headerValue.filter((v) => v.length < 64)), fc.option(headerValue), async (psa, authorization, timestamp, signature) => {
        const headers: Record<string, string> = { authorization };
        if (timestamp !== null) headers['x-tap-timestamp'] = timestamp;
        if (signature !== null) headers['x-tap-signature'] = signature;
        const problem = await expectProblem4xx(await press(h, `/v1/psa/${psa}/tickets/100/tap`, { headers }));
        expect(['UNAUTHORIZED', 'TOO_MANY_ATTEMPTS']).toContain(problem.code);
      }),
      RUNS,
    );
    expect(h.psa.connectwise.getTicketCalls + h.psa.halo.getTicketCalls).toBe(0);
    expect(snapshot(h)).toBe(before);
  });
});

/** A body that arrives only after `ms`: the request is in the handler long before its body is read. */
function lateBody(text: string, ms: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async start(controller) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
}

function pressFrom(h: TestHarness, source: string, psa: 'connectwise' | 'halo', authorization: string, body: string | ReadableStream<Uint8Array> = '{}', ticketId = '100') {
  return h.app.request(`/v1/psa/${psa}/tickets/${ticketId}/tap`, {
    method: 'POST',
    // A declared length, as real clients send: the body limit then passes the request on before the body is read.
    headers: { 'content-type': 'application/json', authorization, 'x-forwarded-for': source, ...(typeof body === 'string' ? {} : { 'content-length': '2' }) },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
  });
}

describe('button credentials under brute force', () => {
  const BEHIND_PROXY = { TRUST_PROXY: '1' };

  it('200 concurrent wrong secrets whose bodies arrive late: only the limit is answered 401, the rest 429', async () => {
    const h = world(BEHIND_PROXY);
    const responses = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => pressFrom(h, '203.0.113.9', 'halo', `Bearer wrong-secret-${i}-0123456789abcdef`, lateBody('{}', 20))),
    );
    const codes = await Promise.all(responses.map(async (r) => (await expectProblem4xx(r)).code));
    expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(BUTTON_FAILURE_LIMITS.perSource);
    expect(codes.filter((c) => c === 'TOO_MANY_ATTEMPTS')).toHaveLength(200 - BUTTON_FAILURE_LIMITS.perSource);
    expect(responses.find((r) => r.status === 429)!.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('20 bad secrets never lock the real secret out: not of that PSA, not of the other, not from the same source', async () => {
    const h = world(BEHIND_PROXY);
    for (let i = 0; i < 30; i += 1) await pressFrom(h, '203.0.113.9', 'halo', `Bearer guess-${i}-0123456789abcdefghij`);
    expect((await expectProblem4xx(await pressFrom(h, '203.0.113.9', 'halo', 'Bearer one-more-guess-0123456789abcdef'))).code).toBe('TOO_MANY_ATTEMPTS');

    expect((await pressFrom(h, '203.0.113.9', 'halo', BEARER.halo)).status).toBe(201);
    h.entra.addUser(CONTOSO, 'john@contoso.example'); // one live pass per user: ConnectWise's ticket names another
    h.psa.connectwise.addTicket({ id: '101', companyId: '10', customFields: { 'New user UPN': 'john@contoso.example' } });
    expect((await pressFrom(h, '203.0.113.9', 'connectwise', BEARER.connectwise, '{}', '101')).status).toBe(201);
    // Failures are counted per PSA: the ConnectWise route from that source still answers a wrong secret with 401.
    expect((await expectProblem4xx(await pressFrom(h, '203.0.113.9', 'connectwise', 'Bearer guess-cw-0123456789abcdefghij'))).code).toBe('UNAUTHORIZED');
    // And per source: another source is untouched.
    expect((await expectProblem4xx(await pressFrom(h, '198.51.100.7', 'halo', 'Bearer guess-x-0123456789abcdefghij'))).code).toBe('UNAUTHORIZED');
  });

  it('a correctly signed request is accepted while wrong signatures from its source are being slowed', async () => {
    const h = world(BEHIND_PROXY);
    const ts = Math.floor(Date.now() / 1000);
    const path = '/v1/psa/connectwise/tickets/100/tap';
    const signed = (signature: string, body = '{}') =>
      h.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9', 'x-tap-timestamp': String(ts), 'x-tap-signature': signature }, body });
    const codes: string[] = [];
    for (let i = 0; i < 25; i += 1) codes.push((await expectProblem4xx(await signed(`sha256=${i.toString(16).padStart(64, '0')}`))).code);
    expect(codes.slice(0, 20).every((c) => c === 'UNAUTHORIZED')).toBe(true);
    expect(codes.slice(20).every((c) => c === 'TOO_MANY_ATTEMPTS')).toBe(true);
    const res = await signed(signButtonRequest(TEST_SECRETS.cwButton, { timestamp: ts, method: 'POST', path, body: '{}' }));
    expect(res.status).toBe(201);
    expect(h.entra.allPasses()).toHaveLength(1);
  });
});

describe('HMAC binding', () => {
  it('a signature made for ticket 2012 does not issue on ticket 2011, nor on the other PSA\'s route', async () => {
    const h = world();
    for (const psa of ['connectwise', 'halo'] as const) {
      h.psa[psa].addTicket({ id: '2011', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example', CFNewUserUPN: 'jane@contoso.example' } });
      h.psa[psa].addTicket({ id: '2012', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example', CFNewUserUPN: 'jane@contoso.example' } });
    }
    const ts = Math.floor(Date.now() / 1000);
    const body = '{"requestedBy":"Runbook"}';
    const signature = signButtonRequest(TEST_SECRETS.haloButton, { timestamp: ts, method: 'POST', path: '/v1/psa/halo/tickets/2012/tap', body });
    const headers = { 'content-type': 'application/json', 'x-tap-timestamp': String(ts), 'x-tap-signature': signature };
    expect((await expectProblem4xx(await h.app.request('/v1/psa/halo/tickets/2011/tap', { method: 'POST', headers, body }))).code).toBe('UNAUTHORIZED');
    expect(h.entra.allPasses()).toEqual([]);
    // The query string is not signed: it cannot change what is issued, and proxies may add to it.
    expect((await h.app.request('/v1/psa/halo/tickets/2012/tap?via=runbook', { method: 'POST', headers, body })).status).toBe(201);
    expect(h.psa.halo.notes.map((n) => String(n.ticketId))).toEqual(['2012']);
  });

  it('the signed text is "<timestamp>.<METHOD>.<path>.<raw body>", as the README documents', () => {
    const expected = createHmac('sha256', 'k'.repeat(32)).update('1764633600.POST./v1/psa/halo/tickets/2012/tap.{}').digest('hex');
    expect(signButtonRequest('k'.repeat(32), { timestamp: 1764633600, method: 'post', path: '/v1/psa/halo/tickets/2012/tap', body: '{}' })).toBe(`sha256=${expected}`);
  });
});

describe('HMAC replay', () => {
  it('a signature is accepted once; the same request again, or its signature on another body, is refused', async () => {
    const h = world();
    const ts = Math.floor(Date.now() / 1000);
    const body = '{"requestedBy":"Runbook"}';
    const headers = { 'x-tap-timestamp': String(ts), 'x-tap-signature': signButtonRequest(TEST_SECRETS.haloButton, { timestamp: ts, method: 'POST', path: '/v1/psa/halo/tickets/100/tap', body }) };
    expect((await press(h, '/v1/psa/halo/tickets/100/tap', { headers, body })).status).toBe(201);
    const replayed = await expectProblem4xx(await press(h, '/v1/psa/halo/tickets/100/tap', { headers, body }));
    expect(replayed.code).toBe('UNAUTHORIZED');
    const moved = await expectProblem4xx(await press(h, '/v1/psa/halo/tickets/100/tap', { headers, body: '{"requestedBy":"Runbook","reissue":true}' }));
    expect(moved.code).toBe('UNAUTHORIZED');
    expect(h.entra.allPasses()).toHaveLength(1);
  });

  it('a signature outside the 5-minute window is refused, whatever the body', async () => {
    const h = world();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 301, max: 10 ** 7 }), fc.boolean(), async (skew, future) => {
        const ts = Math.floor(Date.now() / 1000) + (future ? skew : -skew);
        const body = '{}';
        const res = await press(h, '/v1/psa/halo/tickets/100/tap', { headers: { 'x-tap-timestamp': String(ts), 'x-tap-signature': signButtonRequest(TEST_SECRETS.haloButton, { timestamp: ts, method: 'POST', path: '/v1/psa/halo/tickets/100/tap', body }) }, body });
        expect(['UNAUTHORIZED', 'TOO_MANY_ATTEMPTS']).toContain((await expectProblem4xx(res)).code);
      }),
      { numRuns: 40 },
    );
    expect(h.entra.allPasses()).toEqual([]);
  });
});
