import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createConnectWiseConnector } from '../../src/psa/connectwise/index.js';
import { CW_PRIVATE_KEY, CW_PUBLIC_KEY, CW_SITE, captureLogger, cwConfig, failure, recordingSleep, useNock } from './helpers.js';

useNock();

const API = '/v2025_1/apis/3.0';
const ticket = (id: number) => ({ id, summary: 'New starter', company: { id: 250, identifier: 'Fabrikam', name: 'Fabrikam Ltd' } });

function connector(overrides: Parameters<typeof cwConfig>[0] = {}) {
  const { sleep, waits } = recordingSleep();
  const { logger, lines } = captureLogger();
  const cw = createConnectWiseConnector({ config: cwConfig(overrides), logger, sleep, random: () => 0, now: () => Date.parse('2026-11-20T12:00:00Z') });
  return { cw, waits, lines };
}

const companyInfo = (codebase: string) => ({ CompanyName: 'Contoso MSP', Codebase: codebase, VersionCode: 'v2025.1', CompanyID: 'contoso', IsCloud: 'True' });

describe('ConnectWise transport', () => {
  it('sends Basic company+public:private, the clientId header and the versioned vnd Accept first', async () => {
    const { cw } = connector();
    nock(CW_SITE).get('/login/companyinfo/contoso').reply(200, companyInfo('v2025_1/'));
    const expectedAuth = `Basic ${Buffer.from(`contoso+${CW_PUBLIC_KEY}:${CW_PRIVATE_KEY}`).toString('base64')}`;
    let seen: Record<string, string | string[] | undefined> = {};
    nock(CW_SITE)
      .get(`${API}/service/tickets/42`)
      .reply(function () {
        seen = this.req.headers;
        return [200, ticket(42)];
      });

    await cw.getTicket('42');

    expect(seen.authorization).toBe(expectedAuth);
    expect(seen.clientid).toBe('0b3c1f7e-2a6d-4c1b-9e8f-112233445566');
    expect(seen.accept).toBe('application/vnd.connectwise.com+json; version=2025.1');
  });

  it('discovers the codebase once and reuses it', async () => {
    const { cw } = connector();
    nock(CW_SITE).get('/login/companyinfo/contoso').once().reply(200, companyInfo('v2025_1/'));
    nock(CW_SITE).get(`${API}/service/tickets/1`).reply(200, ticket(1)).get(`${API}/service/tickets/2`).reply(200, ticket(2));

    const [a, b] = await Promise.all([cw.getTicket('1'), cw.getTicket('2')]);

    expect([a?.id, b?.id]).toEqual(['1', '2']);
  });

  it('uses a configured codebase without asking companyinfo', async () => {
    const { cw } = connector({ codebase: 'v4_6_release/' });
    nock(CW_SITE).get('/v4_6_release/apis/3.0/service/tickets/9').reply(200, ticket(9));

    expect((await cw.getTicket('9'))?.id).toBe('9');
  });

  it('re-discovers the codebase once on a 404 and retries the call under the new one', async () => {
    const { cw } = connector();
    nock(CW_SITE)
      .get('/login/companyinfo/contoso').reply(200, companyInfo('v2024_1/'))
      .get('/v2024_1/apis/3.0/service/tickets/42').reply(404, { code: 'NotFound', message: 'Not found' })
      .get('/login/companyinfo/contoso').reply(200, companyInfo('v2025_1/'))
      .get(`${API}/service/tickets/42`).reply(200, ticket(42));

    expect((await cw.getTicket('42'))?.companyName).toBe('Fabrikam Ltd');
  });

  it('answers null for a missing ticket after one re-discovery that found the same codebase', async () => {
    const { cw } = connector();
    nock(CW_SITE)
      .get('/login/companyinfo/contoso').twice().reply(200, companyInfo('v2025_1/'))
      .get(`${API}/service/tickets/404404`).once().reply(404, { code: 'NotFound', message: 'Ticket not found' });

    expect(await cw.getTicket('404404')).toBeNull();
  });

  it('answers null without any request for an id that is not a positive integer', async () => {
    const { cw } = connector();
    for (const id of ['0', '-3', '12a', '1/../../system/info', '', '1.5']) expect(await cw.getTicket(id)).toBeNull();
  });

  it('names CW_COMPANY_ID when companyinfo does not know the company', async () => {
    const { cw } = connector();
    nock(CW_SITE).get('/login/companyinfo/contoso').reply(200, 'null', { 'Content-Type': 'application/json' });

    const error = await failure(cw.getTicket('1'));

    expect(error.code).toBe('PSA_ERROR');
    expect(error.detail).toContain('CW_COMPANY_ID');
  });

  it('waits as long as Retry-After says on a 429 (seconds) and then succeeds', async () => {
    const { cw, waits } = connector({ codebase: 'v2025_1/' });
    nock(CW_SITE)
      .get(`${API}/service/tickets/5`).reply(429, { error: 'ConnectWiseAPI', message: 'Too many requests' }, { 'Retry-After': '7' })
      .get(`${API}/service/tickets/5`).reply(200, ticket(5));

    expect((await cw.getTicket('5'))?.id).toBe('5');
    expect(waits).toEqual([7_000]);
  });

  it('reads a Retry-After HTTP date against the injected clock', async () => {
    const { cw, waits } = connector({ codebase: 'v2025_1/' });
    nock(CW_SITE)
      .get(`${API}/service/tickets/5`).reply(429, '', { 'Retry-After': 'Fri, 20 Nov 2026 12:00:12 GMT' })
      .get(`${API}/service/tickets/5`).reply(200, ticket(5));

    await cw.getTicket('5');
    expect(waits).toEqual([12_000]);
  });

  it('gives up at once with UPSTREAM_THROTTLED when Retry-After exceeds the wait budget', async () => {
    const { cw, waits } = connector({ codebase: 'v2025_1/' });
    nock(CW_SITE).get(`${API}/service/tickets/5`).reply(429, { message: 'Too many requests' }, { 'Retry-After': '600' });

    const error = await failure(cw.getTicket('5'));

    expect(error.code).toBe('UPSTREAM_THROTTLED');
    expect(error.extra?.retryAfterSeconds).toBe(600);
    expect(waits).toEqual([]);
  });

  it('retries a 5xx on a read with capped exponential backoff', async () => {
    const { cw, waits } = connector({ codebase: 'v2025_1/' });
    nock(CW_SITE)
      .get(`${API}/service/tickets/5`).times(3).reply(503, 'Service Unavailable')
      .get(`${API}/service/tickets/5`).reply(200, ticket(5));

    expect((await cw.getTicket('5'))?.id).toBe('5');
    // random() = 0 gives the lower half of each window: 1 s, 2 s, 4 s ceilings → 0.5 s, 1 s, 2 s.
    expect(waits).toEqual([500, 1_000, 2_000]);
  });

  it('retries network errors on reads, then reports UPSTREAM_UNAVAILABLE', async () => {
    const { cw, waits } = connector({ codebase: 'v2025_1/' });
    nock(CW_SITE).get(`${API}/service/tickets/5`).times(5).replyWithError('socket hang up');

    const error = await failure(cw.getTicket('5'));

    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(waits).toHaveLength(4);
  });

  it('turns the vendor error body into a short PSA_ERROR sentence', async () => {
    const { cw } = connector({ codebase: 'v2025_1/' });
    nock(CW_SITE).get(`${API}/service/tickets/5`).reply(400, {
      code: 'InvalidObject',
      message: 'ticket object is invalid',
      errors: [{ code: 'InvalidField', message: 'The field is not valid.', resource: 'ticket', field: 'board' }],
    });

    const error = await failure(cw.getTicket('5'));

    expect(error.code).toBe('PSA_ERROR');
    expect(error.detail).toBe('ConnectWise rejected the request (HTTP 400). ConnectWise said: "ticket object is invalid board: The field is not valid."');
  });

  it('points the admin at the API member keys on 401 and at the security role on 403, never echoing a key', async () => {
    const { cw } = connector({ codebase: 'v2025_1/' });
    nock(CW_SITE)
      .get(`${API}/service/tickets/5`).reply(401, { code: 'Unauthorized', message: `Bad key ${CW_PRIVATE_KEY}` })
      .get(`${API}/service/tickets/6`).reply(403, { code: 'Forbidden', message: 'Access denied' });

    const unauthorized = await failure(cw.getTicket('5'));
    const forbidden = await failure(cw.getTicket('6'));

    expect(unauthorized.code).toBe('PSA_ERROR');
    expect(unauthorized.detail).toContain('CW_PUBLIC_KEY and CW_PRIVATE_KEY');
    expect(unauthorized.detail).not.toContain(CW_PRIVATE_KEY);
    expect(forbidden.code).toBe('PSA_ERROR');
    expect(forbidden.detail).toContain('security role');
  });

  it('pings GET /system/info', async () => {
    const { cw } = connector({ codebase: 'v2025_1/' });
    nock(CW_SITE).get(`${API}/system/info`).reply(200, { version: 'v2025.1.12345', isCloud: true });

    await expect(cw.ping()).resolves.toBeUndefined();
  });

  it('never logs a key or the Authorization header', async () => {
    const { cw, lines } = connector();
    nock(CW_SITE)
      .get('/login/companyinfo/contoso').reply(200, companyInfo('v2025_1/'))
      .get(`${API}/service/tickets/5`).reply(503, '')
      .get(`${API}/service/tickets/5`).reply(401, { message: 'nope' });

    await failure(cw.getTicket('5'));

    const basic = Buffer.from(`contoso+${CW_PUBLIC_KEY}:${CW_PRIVATE_KEY}`).toString('base64');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) for (const secret of [CW_PRIVATE_KEY, CW_PUBLIC_KEY, basic]) expect(line).not.toContain(secret);
  });
});
