import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createHaloConnector } from '../../src/psa/halo/index.js';
import { HALO_BASE, HALO_SECRET, captureLogger, failure, haloConfig, recordingSleep, useNock } from './helpers.js';

useNock();

const T0 = Date.parse('2026-11-20T12:00:00Z');
const ticket = { id: 5, summary: 'Onboarding', client_id: 12, client_name: 'Fabrikam' };

function connector(overrides: Parameters<typeof haloConfig>[0] = {}) {
  const clock = { now: T0 };
  const { logger, lines } = captureLogger();
  const halo = createHaloConnector({ config: haloConfig(overrides), logger, sleep: recordingSleep().sleep, now: () => clock.now });
  return { halo, clock, lines };
}

/** Intercepts one token request; records its query and decoded form body. */
function tokenEndpoint(token: string, opts: { path?: string; expiresIn?: number } = {}) {
  const seen: { forms: URLSearchParams[]; queries: string[]; contentType?: string } = { forms: [], queries: [] };
  nock(HALO_BASE)
    .post((uri) => uri.startsWith(opts.path ?? '/auth/token'))
    .reply(function (uri, body) {
      seen.queries.push(uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : '');
      seen.forms.push(new URLSearchParams(String(body)));
      seen.contentType = String(this.req.headers['content-type']);
      return [200, { access_token: token, token_type: 'Bearer', expires_in: opts.expiresIn ?? 3600 }];
    });
  return seen;
}

/** Answers GET /api/Tickets/5 once, requiring exactly this bearer token. */
function ticketWith(token: string) {
  return nock(HALO_BASE, { reqheaders: { authorization: `Bearer ${token}` } }).get('/api/Tickets/5').query({ includedetails: 'true' }).reply(200, ticket);
}

describe('HaloPSA authentication', () => {
  it('asks for a token with the client-credentials form, scope included, without a tenant when none is set', async () => {
    const { halo } = connector();
    const seen = tokenEndpoint('tok-A');
    ticketWith('tok-A');

    await halo.getTicket('5');

    expect(seen.queries).toEqual(['']);
    expect(seen.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(seen.forms[0]!)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'connector-app',
      client_secret: HALO_SECRET,
      scope: 'edit:tickets read:customers',
    });
  });

  it('adds ?tenant= for a Halo-hosted instance with a separate auth host', async () => {
    const { halo } = connector({ authUrl: 'https://auth.halopsa.com', tenant: 'acme' });
    const seen: { query?: string; form?: URLSearchParams } = {};
    nock('https://auth.halopsa.com')
      .post('/token')
      .query({ tenant: 'acme' })
      .reply(function (_uri, body) {
        seen.form = new URLSearchParams(String(body));
        return [200, { access_token: 'tok-T', expires_in: 3600 }];
      });
    ticketWith('tok-T');

    await halo.getTicket('5');

    expect(seen.form?.get('scope')).toBe('edit:tickets read:customers');
  });

  it('reuses the token until 60 s before expires_in, then fetches a new one', async () => {
    const { halo, clock } = connector();
    tokenEndpoint('tok-A');
    ticketWith('tok-A').get('/api/Tickets/5').query({ includedetails: 'true' }).reply(200, ticket);

    await halo.getTicket('5');
    clock.now = T0 + (3600 - 61) * 1000;
    await halo.getTicket('5');

    tokenEndpoint('tok-B');
    ticketWith('tok-B');
    clock.now = T0 + (3600 - 59) * 1000;
    await halo.getTicket('5');
  });

  it('shares one token request among concurrent callers', async () => {
    const { halo } = connector();
    const seen = tokenEndpoint('tok-A');
    nock(HALO_BASE, { reqheaders: { authorization: 'Bearer tok-A' } }).get('/api/Tickets/5').query({ includedetails: 'true' }).times(3).reply(200, ticket);

    await Promise.all([halo.getTicket('5'), halo.getTicket('5'), halo.getTicket('5')]);

    expect(seen.forms).toHaveLength(1);
  });

  it('on a 401 fetches a fresh token once and retries the call', async () => {
    const { halo } = connector();
    tokenEndpoint('tok-A');
    nock(HALO_BASE, { reqheaders: { authorization: 'Bearer tok-A' } }).get('/api/Tickets/5').query({ includedetails: 'true' }).reply(401, { Message: 'Authorization has been denied for this request.' });
    tokenEndpoint('tok-B');
    ticketWith('tok-B');

    expect((await halo.getTicket('5'))?.companyName).toBe('Fabrikam');
  });

  it('gives up after the second 401 with a PSA_ERROR naming what to check', async () => {
    const { halo } = connector();
    tokenEndpoint('tok-A');
    tokenEndpoint('tok-B');
    nock(HALO_BASE).get('/api/Tickets/5').query({ includedetails: 'true' }).twice().reply(401, { Message: 'Authorization has been denied for this request.' });

    const error = await failure(halo.getTicket('5'));

    expect(error.code).toBe('PSA_ERROR');
    expect(error.detail).toContain('HALO_SCOPE');
    expect(error.detail).toContain('Authorization has been denied');
  });

  it('explains invalid_client without echoing the secret, and logs no credential', async () => {
    const { halo, lines } = connector();
    nock(HALO_BASE).post('/auth/token').reply(400, { error: 'invalid_client' });

    const error = await failure(halo.getTicket('5'));

    expect(error.code).toBe('PSA_ERROR');
    expect(error.detail).toBe(
      "HaloPSA refused the API application's credentials (invalid_client); check HALO_CLIENT_ID, HALO_CLIENT_SECRET and HALO_TENANT.",
    );
    for (const line of lines) expect(line).not.toContain(HALO_SECRET);
  });

  it('explains invalid_scope', async () => {
    const { halo } = connector();
    nock(HALO_BASE).post('/auth/token').reply(400, { error: 'invalid_scope' });

    expect((await failure(halo.getTicket('5'))).detail).toContain('HALO_SCOPE');
  });

  it('never logs the token', async () => {
    const { halo, lines } = connector();
    tokenEndpoint('tok-SECRET-abc');
    nock(HALO_BASE).get('/api/Tickets/5').query({ includedetails: 'true' }).reply(401, {});
    tokenEndpoint('tok-SECRET-def');
    nock(HALO_BASE).get('/api/Tickets/5').query({ includedetails: 'true' }).reply(503, '').get('/api/Tickets/5').query({ includedetails: 'true' }).reply(200, ticket);

    await halo.getTicket('5');

    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toMatch(/tok-SECRET/);
  });
});
